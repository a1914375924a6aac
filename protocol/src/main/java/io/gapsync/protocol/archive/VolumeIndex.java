package io.gapsync.protocol.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Json;
import io.gapsync.protocol.ProtocolException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The index of a split archive ({@code NAME.volumes.json}): the archive's name and total size, and
 * each volume's file name, size and sha256, so a damaged or missing volume is named before the
 * archive is read. Not signed (it is written after the data): it only locates damage; the archive's
 * signed statement still guards the content.
 *
 * @param archive the archive's file name (volumes are {@code archive.volNNN})
 * @param totalSize the archive's size in bytes, the sum of the volume sizes
 * @param volumes the volumes in order
 */
public record VolumeIndex(String archive, long totalSize, List<Volume> volumes) {

  /** Format name of a volume index. */
  public static final String FORMAT = "gapsync.archive-volumes";

  /** Format version. */
  public static final int FORMAT_VERSION = 1;

  /** Suffix of the index file after the archive name. */
  public static final String SUFFIX = ".volumes.json";

  /** Largest index accepted, in bytes. */
  static final int MAX_BYTES = 4 * 1024 * 1024;

  private static final ObjectMapper WRITER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * One volume.
   *
   * @param name the file name, in the folder of the index
   * @param size its size in bytes
   * @param sha256 its digest
   */
  public record Volume(String name, long size, Digest sha256) {}

  /** Copies the list. */
  public VolumeIndex {
    volumes = List.copyOf(volumes);
  }

  /** Returns the file name of volume {@code n} (from 1) of an archive. */
  public static String volumeName(String archive, int n) {
    return archive + String.format(java.util.Locale.ROOT, ".vol%03d", n);
  }

  byte[] toBytes() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("format", FORMAT);
    doc.put("formatVersion", FORMAT_VERSION);
    doc.put("archive", archive);
    doc.put("totalSize", totalSize);
    List<Map<String, Object>> list = new ArrayList<>();
    for (Volume v : volumes) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", v.name());
      m.put("size", v.size());
      m.put("sha256", v.sha256().toString());
      list.add(m);
    }
    doc.put("volumes", list);
    try {
      return WRITER.writeValueAsBytes(doc);
    } catch (IOException e) {
      throw new IllegalStateException("serialising a volume index failed", e);
    }
  }

  static VolumeIndex parse(byte[] bytes, String source) {
    try {
      JsonNode n = Json.parseTree(bytes, MAX_BYTES, "volume index " + source);
      if (!FORMAT.equals(n.path("format").asText(null))
          || n.path("formatVersion").asInt(-1) != FORMAT_VERSION) {
        throw bad(source, "it is not a " + FORMAT + " version " + FORMAT_VERSION + " document");
      }
      String archive = n.path("archive").asText("");
      if (archive.isEmpty()
          || archive.contains("/")
          || archive.contains("\\")
          || archive.startsWith(".")) {
        throw bad(source, "its archive name '" + archive + "' is not a plain file name");
      }
      List<Volume> volumes = new ArrayList<>();
      long total = 0;
      JsonNode list = n.path("volumes");
      if (!list.isArray() || list.isEmpty() || list.size() > 100_000) {
        throw bad(source, "it lists no volumes");
      }
      for (int i = 0; i < list.size(); i++) {
        JsonNode v = list.get(i);
        String expected = volumeName(archive, i + 1);
        if (!expected.equals(v.path("name").asText(null))) {
          throw bad(source, "volume " + (i + 1) + " is not named " + expected);
        }
        long size = v.path("size").asLong(-1);
        if (size < 0 || !v.path("size").isIntegralNumber()) {
          throw bad(source, "volume " + expected + " has no valid size");
        }
        volumes.add(new Volume(expected, size, Digest.parse(v.path("sha256").asText(""))));
        total += size;
      }
      if (total != n.path("totalSize").asLong(-1)) {
        throw bad(source, "its totalSize is not the sum of the volume sizes");
      }
      return new VolumeIndex(archive, total, volumes);
    } catch (ArchiveException e) {
      throw e;
    } catch (ProtocolException e) {
      throw new ArchiveException(ArchiveException.Reason.VOLUME_MISSING, e.getMessage(), e);
    }
  }

  private static ArchiveException bad(String source, String why) {
    return new ArchiveException(
        ArchiveException.Reason.VOLUME_MISSING,
        "Tried to read the volume index " + source + " but " + why);
  }
}
