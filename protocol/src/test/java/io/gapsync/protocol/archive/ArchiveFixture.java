package io.gapsync.protocol.archive;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import io.gapsync.protocol.trust.SigningKey;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Builds small real archives from in-memory content, deterministically. */
final class ArchiveFixture {

  static final Instant CREATED = Instant.parse("2026-11-26T12:00:00Z");
  static final Instant EXPIRES = Instant.parse("2026-12-26T12:00:00Z");
  static final Instant NOW = Instant.parse("2026-11-27T08:00:00Z");

  final Map<Digest, byte[]> content = new LinkedHashMap<>();
  final List<ArchiveEntry> entries = new ArrayList<>();
  final ArchiveWriter writer =
      new ArchiveWriter((d, k) -> new ByteArrayInputStream(content.get(d)), 3);

  static SecureRandom seeded(long seed) {
    try {
      SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
      r.setSeed(seed);
      return r;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static SigningKey key(long seed) {
    return SigningKey.generate(seeded(seed));
  }

  /**
   * A gzip layer (random: stored as is), a tar layer, text and noise of unknown type, a manifest.
   */
  static ArchiveFixture standard(long seed) throws IOException {
    ArchiveFixture f = new ArchiveFixture();
    Random r = new Random(seed);
    byte[] noise = new byte[40_000];
    r.nextBytes(noise);
    f.add(noise, MediaTypes.OCI_LAYER_GZIP, EntryKind.BLOB);
    f.add(text(r, 30_000), MediaTypes.OCI_LAYER_TAR, EntryKind.BLOB);
    f.add(text(r, 20_000), "application/octet-stream", EntryKind.BLOB);
    byte[] noise2 = new byte[10_000];
    r.nextBytes(noise2);
    f.add(noise2, "application/octet-stream", EntryKind.BLOB);
    f.add(new byte[0], "application/vnd.oci.empty.v1+json", EntryKind.BLOB);
    f.add(
        ("{\"schemaVersion\":2,\"mediaType\":\""
                + MediaTypes.OCI_MANIFEST
                + "\",\"seed\":"
                + seed
                + "}")
            .getBytes(StandardCharsets.UTF_8),
        MediaTypes.OCI_MANIFEST,
        EntryKind.MANIFEST);
    return f;
  }

  static byte[] text(Random r, int n) {
    StringBuilder b = new StringBuilder();
    String[] words = {"layer", "gapsync", "archive", "digest", "zstd", "sha256", "offline", "site"};
    while (b.length() < n) {
      b.append(words[r.nextInt(words.length)]).append(r.nextInt(100)).append(' ');
    }
    return b.substring(0, n).getBytes(StandardCharsets.UTF_8);
  }

  Digest add(byte[] bytes, String mediaType, EntryKind kind) throws IOException {
    Digest d = Digest.sha256Of(bytes);
    content.put(d, bytes);
    entries.add(writer.prepare(d, bytes.length, mediaType, kind));
    return d;
  }

  ArchiveStatement statement(
      long sequence, String archiveId, List<TagUpdate> tags, List<AssumedPresent> assumed) {
    return new ArchiveStatement(
        ArchiveStatement.FORMAT_VERSION,
        "depot-1",
        archiveId,
        sequence,
        "site-a",
        Digest.sha256Of("inventory"),
        CREATED,
        EXPIRES,
        entries,
        tags,
        assumed);
  }

  ArchiveStatement statement() {
    return statement(
        7,
        "0123456789abcdef0123456789abcdef",
        List.of(new TagUpdate("apps/web", "v1", null, entries.get(entries.size() - 1).digest())),
        List.of(new AssumedPresent(Digest.sha256Of("held"), EntryKind.BLOB)));
  }

  byte[] write(ArchiveStatement s, SigningKey... keys) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writer.write(s, List.of(keys), out);
    return out.toByteArray();
  }
}
