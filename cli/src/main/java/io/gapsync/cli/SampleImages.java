package io.gapsync.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import io.gapsync.store.PutResult;
import io.gapsync.store.Store;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Small, deterministic sample images built in memory for {@code gapsync demo}: a shared "base"
 * layer plus an "app" layer whose content depends on the version, so two versions share one layer
 * the way real image updates do.
 */
final class SampleImages {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Size of the incompressible file in the shared base layer. */
  private static final int BASE_DATA_BYTES = 2 * 1024 * 1024;

  private SampleImages() {}

  /**
   * Builds the sample image of a version into the store and tags it.
   *
   * @param store the store
   * @param repository the repository
   * @param version the tag and the version written into the app layer
   * @return the manifest digest
   */
  static Digest add(Store store, String repository, String version) throws IOException {
    byte[] noise = new byte[BASE_DATA_BYTES];
    new java.util.Random(42).nextBytes(noise);
    byte[] base =
        layer(
            Map.of(
                "etc/os-release",
                utf8("NAME=\"gapsync sample base\"\n"),
                "usr/share/base/data.bin",
                noise));
    byte[] app =
        layer(
            Map.of(
                "app/VERSION", utf8(version + "\n"),
                "app/run.sh", utf8("#!/bin/sh\necho sample app " + version + "\n")));
    List<Map<String, Object>> layers = new ArrayList<>();
    List<String> diffIds = new ArrayList<>();
    for (byte[] l : List.of(base, app)) {
      PutResult r = store.putBlob(new ByteArrayInputStream(l), null, -1);
      layers.add(descriptor(MediaTypes.OCI_LAYER_GZIP, r.digest(), r.size()));
      diffIds.add(Digest.sha256Of(gunzip(l)).toString());
    }
    Map<String, Object> rootfs = new LinkedHashMap<>();
    rootfs.put("type", "layers");
    rootfs.put("diff_ids", diffIds);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("architecture", "amd64");
    config.put("os", "linux");
    config.put("config", Map.of("Cmd", List.of("/app/run.sh")));
    config.put("rootfs", rootfs);
    byte[] configBytes = MAPPER.writeValueAsBytes(config);
    PutResult c = store.putBlob(new ByteArrayInputStream(configBytes), null, -1);
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
    manifest.put("config", descriptor(MediaTypes.OCI_CONFIG, c.digest(), c.size()));
    manifest.put("layers", layers);
    PutResult m = store.putManifest(MAPPER.writeValueAsBytes(manifest), MediaTypes.OCI_MANIFEST);
    store.tag(repository, version, m.digest());
    return m.digest();
  }

  private static Map<String, Object> descriptor(String mediaType, Digest digest, long size) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("mediaType", mediaType);
    d.put("digest", digest.toString());
    d.put("size", size);
    return d;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] layer(Map<String, byte[]> files) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      for (String name : new java.util.TreeSet<>(files.keySet())) {
        byte[] content = files.get(name);
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        e.setModTime(0);
        e.setMode(name.endsWith(".sh") ? 0755 : 0644);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  private static byte[] gunzip(byte[] gz) throws IOException {
    try (var in = new java.util.zip.GZIPInputStream(new ByteArrayInputStream(gz))) {
      return in.readAllBytes();
    }
  }
}
