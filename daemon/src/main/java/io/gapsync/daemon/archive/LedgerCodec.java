package io.gapsync.daemon.archive;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.archive.EntryKind;
import io.gapsync.protocol.archive.TagUpdate;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes ledger record files (docs/FORMAT.md section 4.12): JSON, {@code format} and
 * {@code formatVersion} first; a record of another version is refused naming both.
 */
final class LedgerCodec {

  /** Format name of a record file. */
  static final String RECORD_FORMAT = "gapsync.ledger-record";

  /** The record format version this code reads and writes. */
  static final int RECORD_FORMAT_VERSION = 1;

  /** Largest record file read (an archive of a million entries is about 150 MB). */
  static final long RECORD_BYTES_MAX = 512L * 1024 * 1024;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  private LedgerCodec() {}

  static byte[] toBytes(LedgerRecord r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", RECORD_FORMAT);
    m.put("formatVersion", RECORD_FORMAT_VERSION);
    m.put("archiveId", r.archiveId());
    m.put("producerId", r.producerId());
    m.put("sequence", r.sequence());
    m.put("siteId", r.siteId());
    m.put("inventory", r.inventory().toString());
    m.put("baseWatermark", r.baseWatermark());
    m.put("createdAt", r.createdAt().toString());
    List<Map<String, Object>> entries = new ArrayList<>();
    for (LedgerRecord.Sent e : r.entries()) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("digest", e.digest().toString());
      x.put("kind", e.kind().wire());
      x.put("size", e.size());
      entries.add(x);
    }
    m.put("entries", entries);
    List<Map<String, Object>> tags = new ArrayList<>();
    for (TagUpdate t : r.tags()) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("repository", t.repository());
      x.put("tag", t.tag());
      x.put("from", t.from() == null ? null : t.from().toString());
      x.put("to", t.to().toString());
      tags.add(x);
    }
    m.put("tags", tags);
    m.put("files", r.files());
    try {
      byte[] body = JSON.writeValueAsBytes(m);
      byte[] out = new byte[body.length + 1];
      System.arraycopy(body, 0, out, 0, body.length);
      out[body.length] = '\n';
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("serialising a ledger record failed", e);
    }
  }

  static LedgerRecord read(Path file) throws IOException {
    if (Files.size(file) > RECORD_BYTES_MAX) {
      throw bad(file, "it is larger than " + RECORD_BYTES_MAX + " bytes", null);
    }
    JsonNode doc;
    try (InputStream in = Files.newInputStream(file)) {
      doc = JSON.readTree(in);
    } catch (IOException e) {
      throw bad(file, "it is not JSON (" + e.getMessage() + ")", e);
    }
    try {
      if (doc == null || !RECORD_FORMAT.equals(doc.path("format").asText())) {
        throw new IllegalArgumentException("its format is not " + RECORD_FORMAT);
      }
      int version = doc.path("formatVersion").asInt(-1);
      if (version != RECORD_FORMAT_VERSION) {
        throw new IllegalArgumentException(
            "its format version "
                + version
                + " is not the version this gapsync reads ("
                + RECORD_FORMAT_VERSION
                + ")");
      }
      List<LedgerRecord.Sent> entries = new ArrayList<>();
      for (JsonNode e : doc.path("entries")) {
        EntryKind kind =
            switch (text(e, "kind")) {
              case "blob" -> EntryKind.BLOB;
              case "manifest" -> EntryKind.MANIFEST;
              default -> throw new IllegalArgumentException("an entry's kind is unknown");
            };
        entries.add(
            new LedgerRecord.Sent(Digest.parse(text(e, "digest")), kind, number(e, "size")));
      }
      List<TagUpdate> tags = new ArrayList<>();
      for (JsonNode t : doc.path("tags")) {
        JsonNode from = t.path("from");
        tags.add(
            new TagUpdate(
                text(t, "repository"),
                text(t, "tag"),
                from.isNull() ? null : Digest.parse(from.asText()),
                Digest.parse(text(t, "to"))));
      }
      List<String> files = new ArrayList<>();
      doc.path("files").forEach(f -> files.add(f.asText()));
      return new LedgerRecord(
          text(doc, "archiveId"),
          text(doc, "producerId"),
          number(doc, "sequence"),
          text(doc, "siteId"),
          Digest.parse(text(doc, "inventory")),
          number(doc, "baseWatermark"),
          Instant.parse(text(doc, "createdAt")),
          entries,
          tags,
          files);
    } catch (RuntimeException e) {
      throw bad(file, e.getMessage(), e);
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("field '" + field + "' is missing or not a string");
    }
    return v.asText();
  }

  private static long number(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.canConvertToExactIntegral() || !v.canConvertToLong()) {
      throw new IllegalArgumentException("field '" + field + "' is missing or not an integer");
    }
    return v.asLong();
  }

  private static ArchiveRefusedException bad(Path file, String why, Throwable cause) {
    return new ArchiveRefusedException(
        "Tried to read the export ledger record "
            + file
            + " but "
            + why
            + ": restore the ledger from a backup, or move the file away and export with"
            + " --no-assume-delivered",
        cause);
  }
}
