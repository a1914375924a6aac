package io.gapsync.protocol.archive;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.gapsync.protocol.Json;
import io.gapsync.protocol.ProtocolException;
import io.gapsync.protocol.trust.KeyId;
import io.gapsync.protocol.trust.KeySignature;
import io.gapsync.protocol.trust.TrustException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The binary layout of an archive (docs/FORMAT.md section 4, "Layout"). Big-endian integers.
 *
 * <pre>
 * header   0  8  magic "GAPSYNCA"
 *          8  2  container format version (1)
 *         10  2  flags (0; a reader refuses others)
 *         12  4  statement length S (at most ArchiveStatement.MAX_BYTES)
 *         16  4  signatures length G (at most MAX_SIGNATURES_BYTES)
 *         20  S  statement (canonical JSON, the signed bytes)
 *       20+S  G  signatures (JSON)
 * entry i  0  4  magic "GSEN"
 *          4  4  index i
 *          8  8  stored length (equals the statement's storedSize)
 *         16  .  stored bytes
 * trailer  0  4  magic "GSND"
 *          4  4  entry count; end of file
 * </pre>
 */
final class ArchiveLayout {

  static final byte[] MAGIC = "GAPSYNCA".getBytes(StandardCharsets.US_ASCII);
  static final int VERSION = 1;
  static final int HEADER_LENGTH = 20;
  static final int OFFSET_VERSION = 8;
  static final int OFFSET_FLAGS = 10;
  static final int OFFSET_STATEMENT_LENGTH = 12;
  static final int OFFSET_SIGNATURES_LENGTH = 16;
  static final int MAX_SIGNATURES_BYTES = 64 * 1024;

  static final int ENTRY_MAGIC = 0x4753454E; // "GSEN"
  static final int ENTRY_HEADER_LENGTH = 16;
  static final int TRAILER_MAGIC = 0x47534E44; // "GSND"
  static final int TRAILER_LENGTH = 8;

  private static final JsonFactory FACTORY = new JsonFactory();

  private ArchiveLayout() {}

  /** Encodes the signature list: {@code {"signatures":[{"keyId":..,"sig":..}]}}. */
  static byte[] writeSignatures(List<KeySignature> signatures) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeArrayFieldStart("signatures");
      for (KeySignature s : signatures) {
        g.writeStartObject();
        g.writeStringField("keyId", s.keyId().toString());
        g.writeStringField("sig", s.base64());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("writing signatures to memory failed", e);
    }
    return out.toByteArray();
  }

  /** Decodes the signature list, treating it as hostile. */
  static List<KeySignature> readSignatures(byte[] bytes, String source) {
    String what = "the signatures of archive " + source;
    try {
      JsonNode n = Json.parseTree(bytes, MAX_SIGNATURES_BYTES, what);
      JsonNode list = n.get("signatures");
      if (!n.isObject() || n.size() != 1 || list == null || !list.isArray() || list.size() > 64) {
        throw bad(what, "it is not {\"signatures\":[...]} with at most 64 entries");
      }
      List<KeySignature> out = new ArrayList<>();
      for (JsonNode s : list) {
        if (!s.isObject()
            || s.size() != 2
            || !s.path("keyId").isTextual()
            || !s.path("sig").isTextual()) {
          throw bad(what, "an entry is not {\"keyId\":...,\"sig\":...}");
        }
        out.add(
            new KeySignature(
                KeyId.parse(s.get("keyId").textValue()),
                Base64.getDecoder().decode(s.get("sig").textValue())));
      }
      return out;
    } catch (TrustException | IllegalArgumentException e) {
      throw bad(what, e.getMessage());
    } catch (ArchiveException e) {
      throw e;
    } catch (ProtocolException e) {
      throw new ArchiveException(ArchiveException.Reason.STATEMENT_INVALID, e.getMessage(), e);
    }
  }

  private static ArchiveException bad(String what, String why) {
    return new ArchiveException(
        ArchiveException.Reason.STATEMENT_INVALID, "Tried to read " + what + " but " + why);
  }
}
