package io.gapsync.store;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

/** Test content: seeded random blobs and OCI manifests built from them. */
final class Fixtures {

  /** Small chunks keep multi-chunk tests fast. */
  static final int CHUNK = 4096;

  static final StoreOptions OPTIONS =
      StoreOptions.defaults().withChunkSizeBytes(CHUNK).withSyncWrites(false);

  private Fixtures() {}

  static Store open(Path dir) {
    return Store.open(dir, OPTIONS);
  }

  static byte[] random(long seed, int size) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Stores a blob and returns its digest. */
  static Digest put(Store store, byte[] content) {
    try {
      return store.putBlob(new ByteArrayInputStream(content), null, -1).digest();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String descriptor(String mediaType, Digest digest, long size) {
    return "{\"mediaType\":\""
        + mediaType
        + "\",\"digest\":\""
        + digest
        + "\",\"size\":"
        + size
        + "}";
  }

  /** An OCI image manifest over a config and layers given as their bytes. */
  static byte[] image(byte[] config, List<byte[]> layers) {
    return image(config, layers, null);
  }

  /** An OCI image manifest with an optional subject descriptor JSON. */
  static byte[] image(byte[] config, List<byte[]> layers, String subject) {
    String ls =
        layers.stream()
            .map(l -> descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256Of(l), l.length))
            .collect(Collectors.joining(","));
    return utf8(
        "{\"schemaVersion\":2,\"mediaType\":\""
            + MediaTypes.OCI_MANIFEST
            + "\",\"config\":"
            + descriptor(MediaTypes.OCI_CONFIG, Digest.sha256Of(config), config.length)
            + ",\"layers\":["
            + ls
            + "]"
            + (subject != null ? ",\"subject\":" + subject : "")
            + "}");
  }

  /** An OCI index over child manifests given as their bytes. */
  static byte[] index(List<byte[]> children) {
    String cs =
        children.stream()
            .map(c -> descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256Of(c), c.length))
            .collect(Collectors.joining(","));
    return utf8(
        "{\"schemaVersion\":2,\"mediaType\":\""
            + MediaTypes.OCI_INDEX
            + "\",\"manifests\":["
            + cs
            + "]}");
  }

  /** A signature-like artifact whose subject is the given manifest. */
  static byte[] referrer(Store store, byte[] subjectManifest, String note) {
    byte[] config = utf8("{}");
    byte[] payload = utf8("signature of " + Digest.sha256Of(subjectManifest) + " " + note);
    put(store, config);
    put(store, payload);
    String layer =
        descriptor(
            "application/vnd.dev.cosign.simplesigning.v1+json",
            Digest.sha256Of(payload),
            payload.length);
    return utf8(
        "{\"schemaVersion\":2,\"mediaType\":\""
            + MediaTypes.OCI_MANIFEST
            + "\","
            + "\"artifactType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"config\":"
            + descriptor(MediaTypes.OCI_EMPTY, Digest.sha256Of(config), config.length)
            + ",\"layers\":["
            + layer
            + "],\"subject\":"
            + descriptor(
                MediaTypes.OCI_MANIFEST, Digest.sha256Of(subjectManifest), subjectManifest.length)
            + "}");
  }

  /** An image stored with its blobs (seeded), returned as the manifest bytes. */
  static byte[] storeImage(Store store, long seed, byte[] sharedLayer) {
    byte[] config = utf8("{\"architecture\":\"amd64\",\"os\":\"linux\",\"seed\":" + seed + "}");
    byte[] layer = layer(seed);
    put(store, config);
    put(store, layer);
    List<byte[]> layers = sharedLayer == null ? List.of(layer) : List.of(sharedLayer, layer);
    if (sharedLayer != null) {
      put(store, sharedLayer);
    }
    byte[] manifest = image(config, layers);
    store.putManifest(manifest, MediaTypes.OCI_MANIFEST);
    return manifest;
  }

  /** The unique layer of {@link #storeImage} for a seed: four chunks, the last partial. */
  static byte[] layer(long seed) {
    return random(seed, 3 * CHUNK + 17);
  }

  /** Reads a stream fully. */
  static byte[] readAll(InputStream in) {
    try (in) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A stream of {@code size} pseudo-random bytes generated on the fly, never held whole. */
  static InputStream generated(long seed, long size) {
    return new InputStream() {
      private final Random random = new Random(seed);
      private final byte[] block = new byte[8192];
      private int pos = block.length;
      private long left = size;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left == 0) {
          return -1;
        }
        if (pos == block.length) {
          random.nextBytes(block);
          pos = 0;
        }
        int n = (int) Math.min(Math.min(len, block.length - pos), left);
        System.arraycopy(block, pos, b, off, n);
        pos += n;
        left -= n;
        return n;
      }
    };
  }
}
