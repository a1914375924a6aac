package io.gapsync.protocol;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/** Small inventories and digest generators shared by the inventory tests. */
final class InventoryFixtures {

  static final Instant CREATED_AT = Instant.parse("2026-01-02T03:04:05Z");
  static final Digest M1 = digest('1');
  static final Digest M2 = digest('2');
  static final Digest B1 = digest('a');
  static final Digest B2 = digest('b');
  static final Digest B3 = digest('c');

  /** The golden document of {@link #small()}. */
  static final String SMALL_JSON =
      """
      {
        "format": "gapsync.inventory",
        "formatVersion": 1,
        "siteId": "site-a",
        "createdAt": "2026-01-02T03:04:05Z",
        "watermarks": {
          "depot-1": 42
        },
        "tags": {
          "library/nginx": {
            "1.27": "%1$s",
            "latest": "%1$s"
          },
          "tools/helm": {
            "v3": "%2$s"
          }
        },
        "manifests": [
          {"digest":"%1$s","size":1234,"mediaType":"application/vnd.oci.image.manifest.v1+json"},
          {"digest":"%2$s","size":567,"mediaType":"application/vnd.oci.image.index.v1+json"}
        ],
        "blobs": [
          {"digest":"%3$s","size":100},
          {"digest":"%4$s","size":0},
          {"digest":"%5$s","size":9007199254740992}
        ]
      }
      """
          .formatted(M1, M2, B1, B2, B3);

  private InventoryFixtures() {}

  /** Returns the digest whose hex is one character repeated. */
  static Digest digest(char c) {
    return new Digest(DigestAlgorithm.SHA256, String.valueOf(c).repeat(64));
  }

  /** Returns a small inventory with every section filled. */
  static Inventory small() {
    return new Inventory(
        1,
        "site-a",
        CREATED_AT.plusMillis(999),
        List.of(
            InventoryEntry.blob(B1, 100),
            InventoryEntry.blob(B2, 0),
            InventoryEntry.blob(B3, InventoryEntry.MAX_SIZE)),
        List.of(
            InventoryEntry.manifest(M1, 1234, MediaTypes.OCI_MANIFEST),
            InventoryEntry.manifest(M2, 567, MediaTypes.OCI_INDEX)),
        tags("library/nginx", "1.27", M1, "library/nginx", "latest", M1, "tools/helm", "v3", M2),
        new TreeMap<>(java.util.Map.of("depot-1", 42L)));
  }

  /** Returns an inventory with no entries, tags or watermarks. */
  static Inventory empty() {
    return Inventory.of(InventoryHeader.of("site-a", CREATED_AT, null, null), List.of(), List.of());
  }

  /** Builds a tags map from (repository, tag, digest) triples. */
  static SortedMap<String, SortedMap<String, Digest>> tags(Object... triples) {
    SortedMap<String, SortedMap<String, Digest>> out = new TreeMap<>();
    for (int i = 0; i < triples.length; i += 3) {
      out.computeIfAbsent((String) triples[i], k -> new TreeMap<>())
          .put((String) triples[i + 1], (Digest) triples[i + 2]);
    }
    return out;
  }

  /** Returns n distinct random digests, sorted, a quarter of them sha512. */
  static List<Digest> randomDigests(Random random, int n) {
    TreeSet<Digest> set = new TreeSet<>();
    while (set.size() < n) {
      set.add(randomDigest(random));
    }
    return new ArrayList<>(set);
  }

  /** Returns a random digest, sha512 one time in four. */
  static Digest randomDigest(Random random) {
    DigestAlgorithm algorithm =
        random.nextInt(4) == 0 ? DigestAlgorithm.SHA512 : DigestAlgorithm.SHA256;
    byte[] raw = new byte[algorithm.hexLength() / 2];
    random.nextBytes(raw);
    return Digest.fromRaw(algorithm, raw);
  }

  /** Returns a random inventory of blobs and manifests drawn from a small universe. */
  static Inventory random(Random random, int blobs, int manifests) {
    List<InventoryEntry> b = new ArrayList<>();
    for (Digest d : randomDigests(random, blobs)) {
      b.add(InventoryEntry.blob(d, sizeOf(d)));
    }
    List<InventoryEntry> m = new ArrayList<>();
    for (Digest d : randomDigests(random, manifests)) {
      m.add(InventoryEntry.manifest(d, sizeOf(d), MediaTypes.OCI_MANIFEST));
    }
    return Inventory.of(InventoryHeader.of("site-r", CREATED_AT, null, null), m, b);
  }

  /** A size derived from the digest, so that the same digest always has the same size. */
  static long sizeOf(Digest d) {
    return Math.floorMod(d.hashCode(), 1_000_000);
  }

  static String utf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
