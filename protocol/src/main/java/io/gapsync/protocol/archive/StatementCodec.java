package io.gapsync.protocol.archive;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Json;
import io.gapsync.protocol.ProtocolException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The canonical JSON of an {@link ArchiveStatement}: UTF-8, no whitespace, fields in the fixed
 * order of docs/FORMAT.md section 4, null written as {@code null}. Every string it writes is ASCII
 * by its grammar, so escaping cannot differ between Jackson versions.
 */
final class StatementCodec {

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
          .disable(JsonWriteFeature.ESCAPE_FORWARD_SLASHES)
          .disable(JsonWriteFeature.ESCAPE_NON_ASCII)
          .build();

  private static final Set<String> TOP =
      Set.of(
          "format",
          "formatVersion",
          "producerId",
          "archiveId",
          "sequence",
          "against",
          "createdAt",
          "expiresAt",
          "entries",
          "tags",
          "assumedPresent");
  private static final Set<String> AGAINST = Set.of("siteId", "inventory");
  private static final Set<String> ENTRY =
      Set.of(
          "digest", "size", "mediaType", "kind", "encoding", "base", "storedSize", "storedDigest");
  private static final Set<String> TAG = Set.of("repository", "tag", "from", "to");
  private static final Set<String> ASSUMED = Set.of("digest", "kind");

  private StatementCodec() {}

  static byte[] write(ArchiveStatement s) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096 + 300 * s.entries().size());
    try (JsonGenerator g = FACTORY.createGenerator(bytes, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringField("format", ArchiveStatement.FORMAT);
      g.writeNumberField("formatVersion", s.formatVersion());
      g.writeStringField("producerId", s.producerId());
      g.writeStringField("archiveId", s.archiveId());
      g.writeNumberField("sequence", s.sequence());
      g.writeObjectFieldStart("against");
      g.writeStringField("siteId", s.siteId());
      g.writeStringField("inventory", s.inventoryDigest().toString());
      g.writeEndObject();
      g.writeStringField("createdAt", s.createdAt().toString());
      g.writeStringField("expiresAt", s.expiresAt().toString());
      g.writeArrayFieldStart("entries");
      for (ArchiveEntry e : s.entries()) {
        g.writeStartObject();
        g.writeStringField("digest", e.digest().toString());
        g.writeNumberField("size", e.size());
        g.writeStringField("mediaType", e.mediaType());
        g.writeStringField("kind", e.kind().wire());
        g.writeStringField("encoding", e.encoding());
        if (e.base() != null) {
          g.writeStringField("base", e.base().toString());
        }
        g.writeNumberField("storedSize", e.storedSize());
        g.writeStringField("storedDigest", e.storedDigest().toString());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("tags");
      for (TagUpdate t : s.tags()) {
        g.writeStartObject();
        g.writeStringField("repository", t.repository());
        g.writeStringField("tag", t.tag());
        if (t.from() == null) {
          g.writeNullField("from");
        } else {
          g.writeStringField("from", t.from().toString());
        }
        g.writeStringField("to", t.to().toString());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("assumedPresent");
      for (AssumedPresent a : s.assumedPresent()) {
        g.writeStartObject();
        g.writeStringField("digest", a.digest().toString());
        g.writeStringField("kind", a.kind().wire());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("writing a statement to memory failed", e);
    }
    return bytes.toByteArray();
  }

  static ArchiveStatement parse(byte[] bytes, String source) {
    String what = "the statement of archive " + source;
    JsonNode n;
    try {
      n = Json.parseTree(bytes, ArchiveStatement.MAX_BYTES, what);
    } catch (ProtocolException e) {
      throw new ArchiveException(ArchiveException.Reason.STATEMENT_INVALID, e.getMessage(), e);
    }
    Reader r = new Reader(what);
    r.object(n, TOP, "the statement");
    if (!ArchiveStatement.FORMAT.equals(n.path("format").asText(null))) {
      throw new ArchiveException(
          ArchiveException.Reason.FORMAT,
          "Tried to read " + what + " but its format is not " + ArchiveStatement.FORMAT);
    }
    int version = (int) r.integer(n, "formatVersion");
    if (version != ArchiveStatement.FORMAT_VERSION) {
      throw new ArchiveException(
          ArchiveException.Reason.FORMAT,
          "Tried to read "
              + what
              + " but its format version "
              + version
              + " is not the version this gapsync reads ("
              + ArchiveStatement.FORMAT_VERSION
              + ")"
              + (version > ArchiveStatement.FORMAT_VERSION ? ": upgrade gapsync" : ""));
    }
    JsonNode against = n.get("against");
    r.object(against, AGAINST, "against");
    List<ArchiveEntry> entries = new ArrayList<>();
    JsonNode list = r.array(n, "entries");
    for (int i = 0; i < list.size(); i++) {
      JsonNode e = list.get(i);
      String at = "entries[" + i + "]";
      r.object(e, ENTRY, at);
      EntryKind kind = r.kind(e, at);
      entries.add(
          new ArchiveEntry(
              r.digest(e, "digest", at),
              r.integer(e, "size"),
              r.text(e, "mediaType", at),
              kind,
              r.text(e, "encoding", at),
              e.has("base") ? r.digest(e, "base", at) : null,
              r.integer(e, "storedSize"),
              r.digest(e, "storedDigest", at)));
    }
    List<TagUpdate> tags = new ArrayList<>();
    JsonNode tl = r.array(n, "tags");
    for (int i = 0; i < tl.size(); i++) {
      JsonNode t = tl.get(i);
      String at = "tags[" + i + "]";
      r.object(t, TAG, at);
      JsonNode from = t.get("from");
      tags.add(
          new TagUpdate(
              r.text(t, "repository", at),
              r.text(t, "tag", at),
              from == null || from.isNull() ? null : r.digest(t, "from", at),
              r.digest(t, "to", at)));
    }
    List<AssumedPresent> assumed = new ArrayList<>();
    JsonNode al = r.array(n, "assumedPresent");
    for (int i = 0; i < al.size(); i++) {
      JsonNode a = al.get(i);
      String at = "assumedPresent[" + i + "]";
      r.object(a, ASSUMED, at);
      assumed.add(new AssumedPresent(r.digest(a, "digest", at), r.kind(a, at)));
    }
    return new ArchiveStatement(
        version,
        r.text(n, "producerId", "the statement"),
        r.text(n, "archiveId", "the statement"),
        r.integer(n, "sequence"),
        r.text(against, "siteId", "against"),
        r.digest(against, "inventory", "against"),
        r.time(n, "createdAt"),
        r.time(n, "expiresAt"),
        entries,
        tags,
        assumed);
  }

  /** Typed field access that names the field in every error. */
  private record Reader(String what) {

    void object(JsonNode n, Set<String> allowed, String at) {
      if (n == null || !n.isObject()) {
        throw bad(at + " is not an object");
      }
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!allowed.contains(f)) {
          throw bad(at + " has an unknown field '" + f + "'");
        }
      }
    }

    JsonNode array(JsonNode n, String field) {
      JsonNode a = n.get(field);
      if (a == null || !a.isArray()) {
        throw bad("'" + field + "' is missing or not an array");
      }
      return a;
    }

    String text(JsonNode n, String field, String at) {
      JsonNode v = n.get(field);
      if (v == null || !v.isTextual()) {
        throw bad(at + "." + field + " is missing or not a string");
      }
      return v.textValue();
    }

    long integer(JsonNode n, String field) {
      JsonNode v = n.get(field);
      if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
        throw bad("'" + field + "' is missing or not an integer");
      }
      return v.longValue();
    }

    Digest digest(JsonNode n, String field, String at) {
      String s = text(n, field, at);
      try {
        return Digest.parse(s);
      } catch (ProtocolException e) {
        throw bad(at + "." + field + ": " + e.getMessage());
      }
    }

    EntryKind kind(JsonNode n, String at) {
      String s = text(n, "kind", at);
      EntryKind k = EntryKind.fromWire(s);
      if (k == null) {
        throw bad(at + ".kind '" + s + "' is neither blob nor manifest");
      }
      return k;
    }

    Instant time(JsonNode n, String field) {
      String s = text(n, field, "the statement");
      try {
        Instant t = Instant.parse(s);
        if (!t.toString().equals(s)) {
          throw bad("'" + field + "' is not in the form yyyy-MM-ddTHH:mm:ssZ");
        }
        return t;
      } catch (DateTimeParseException e) {
        throw bad("'" + field + "' is not a time: " + s);
      }
    }

    ArchiveException bad(String why) {
      return new ArchiveException(
          ArchiveException.Reason.STATEMENT_INVALID, "Tried to read " + what + " but " + why);
    }
  }
}
