package io.gapsync.daemon.registry;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * Writes an OCI image layout holding a two-platform index (linux/amd64, linux/arm64), each image
 * with its own config and one gzip layer, for the peer tests: umoci builds one platform only.
 */
final class MultiArchLayout {

  private MultiArchLayout() {}

  /** Writes the layout with the index tagged {@code 1}; returns the index's bytes. */
  static byte[] write(Path layout) throws IOException {
    Files.createDirectories(layout.resolve("blobs/sha256"));
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    StringBuilder index =
        new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"")
            .append(MediaTypes.OCI_INDEX)
            .append("\",\"manifests\":[");
    String[] arches = {"amd64", "arm64"};
    for (int i = 0; i < arches.length; i++) {
      byte[] layer = gzip(Content.blob(5_000 + i, 20 + i));
      byte[] config =
          Content.bytes(
              "{\"architecture\":\""
                  + arches[i]
                  + "\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
      byte[] manifest = Content.image(config, layer);
      blob(layout, layer);
      blob(layout, config);
      blob(layout, manifest);
      index
          .append(i > 0 ? "," : "")
          .append("{\"mediaType\":\"")
          .append(MediaTypes.OCI_MANIFEST)
          .append("\",\"digest\":\"")
          .append(Digest.sha256Of(manifest))
          .append("\",\"size\":")
          .append(manifest.length)
          .append(",\"platform\":{\"architecture\":\"")
          .append(arches[i])
          .append("\",\"os\":\"linux\"}}");
    }
    byte[] indexBytes = Content.bytes(index.append("]}").toString());
    blob(layout, indexBytes);
    Files.writeString(
        layout.resolve("index.json"),
        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
            + MediaTypes.OCI_INDEX
            + "\",\"digest\":\""
            + Digest.sha256Of(indexBytes)
            + "\",\"size\":"
            + indexBytes.length
            + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"1\"}}]}");
    return indexBytes;
  }

  private static void blob(Path layout, byte[] content) throws IOException {
    Files.write(layout.resolve("blobs/sha256/" + Digest.sha256Of(content).hex()), content);
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(data);
    }
    return out.toByteArray();
  }
}
