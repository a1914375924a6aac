package io.gapsync.daemon.registry;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import java.nio.charset.StandardCharsets;

/**
 * Small blobs and manifests whose JSON is written by hand, so tests state digests and sizes
 * exactly.
 */
final class Content {

  private Content() {}

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A blob of {@code n} bytes, deterministic in {@code seed}. */
  static byte[] blob(int n, int seed) {
    byte[] b = new byte[n];
    long x = seed * 2654435761L + 1;
    for (int i = 0; i < n; i++) {
      x = x * 6364136223846793005L + 1442695040888963407L;
      b[i] = (byte) (x >>> 56);
    }
    return b;
  }

  static String descriptor(String mediaType, byte[] content) {
    return "{\"mediaType\":\""
        + mediaType
        + "\",\"digest\":\""
        + Digest.sha256Of(content)
        + "\",\"size\":"
        + content.length
        + "}";
  }

  /** An OCI image manifest over a config and layers. */
  static byte[] image(byte[] config, byte[]... layers) {
    StringBuilder b =
        new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"")
            .append(MediaTypes.OCI_MANIFEST)
            .append("\",\"config\":")
            .append(descriptor(MediaTypes.OCI_CONFIG, config))
            .append(",\"layers\":[");
    for (int i = 0; i < layers.length; i++) {
      b.append(i > 0 ? "," : "").append(descriptor(MediaTypes.OCI_LAYER_GZIP, layers[i]));
    }
    return bytes(b.append("]}").toString());
  }

  /** An OCI 1.1 artifact manifest naming a subject, with one annotation. */
  static byte[] artifact(String artifactType, byte[] config, byte[] subject, String note) {
    return bytes(
        "{\"schemaVersion\":2,\"mediaType\":\""
            + MediaTypes.OCI_MANIFEST
            + "\",\"artifactType\":\""
            + artifactType
            + "\",\"config\":"
            + descriptor(MediaTypes.OCI_EMPTY, config)
            + ",\"layers\":[],\"subject\":"
            + descriptor(MediaTypes.OCI_MANIFEST, subject)
            + ",\"annotations\":{\"note\":\""
            + note
            + "\"}}");
  }
}
