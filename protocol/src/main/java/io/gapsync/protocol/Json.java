package io.gapsync.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/**
 * The one place that reads untrusted JSON: a Jackson mapper with explicit limits (nesting depth,
 * string and number length), duplicate keys rejected, and trailing tokens rejected. Callers bound
 * the document size before handing bytes here.
 */
public final class Json {

  /** Maximum nesting depth of any JSON document gapsync reads. */
  public static final int MAX_DEPTH = 64;

  /** Maximum length of one JSON string value, in characters. */
  public static final int MAX_STRING_LENGTH = 1 << 20;

  private static final ObjectMapper MAPPER = newMapper();

  private Json() {}

  /** Returns a fresh mapper configured with gapsync's limits. */
  public static ObjectMapper newMapper() {
    JsonFactory factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxStringLength(MAX_STRING_LENGTH)
                    .maxNumberLength(32)
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    return JsonMapper.builder(factory)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
        .build();
  }

  /**
   * Returns a fresh factory for streaming parsers with gapsync's limits and duplicate keys
   * rejected, for documents too large for a tree (inventories). Parsers it creates do not close the
   * stream they read.
   *
   * @param maxDepth the nesting depth the document's format needs, at most {@link #MAX_DEPTH}
   * @return the factory
   */
  static JsonFactory newStreamingFactory(int maxDepth) {
    return JsonFactory.builder()
        .streamReadConstraints(
            StreamReadConstraints.builder()
                .maxNestingDepth(Math.min(maxDepth, MAX_DEPTH))
                .maxStringLength(MAX_STRING_LENGTH)
                .maxNumberLength(32)
                .build())
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
        .build();
  }

  /** Returns the shared mapper (thread-safe for reading). */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /**
   * Parses a bounded document into a tree.
   *
   * @param bytes the document
   * @param maxBytes the size limit
   * @param what a description for error messages, e.g. "manifest sha256:... from oci:/tmp/x"
   * @return the root node
   * @throws ProtocolException with {@code JSON_INVALID}
   */
  public static JsonNode parseTree(byte[] bytes, int maxBytes, String what) {
    if (bytes.length > maxBytes) {
      throw new ProtocolException(
          ProtocolException.Code.JSON_INVALID,
          "Tried to read "
              + what
              + " but it is "
              + bytes.length
              + " bytes, over the limit of "
              + maxBytes
              + " bytes");
    }
    try (JsonParser p = MAPPER.createParser(bytes)) {
      JsonNode node = MAPPER.readTree(p);
      if (node == null || node.isMissingNode()) {
        throw new ProtocolException(
            ProtocolException.Code.JSON_INVALID, "Tried to read " + what + " but it is empty");
      }
      return node;
    } catch (StreamConstraintsException e) {
      throw new ProtocolException(
          ProtocolException.Code.JSON_INVALID,
          "Tried to read " + what + " but it exceeds a JSON limit: " + e.getOriginalMessage(),
          e);
    } catch (IOException e) {
      throw new ProtocolException(
          ProtocolException.Code.JSON_INVALID,
          "Tried to read " + what + " but it is not valid JSON: " + describe(e),
          e);
    }
  }

  /** The problem and its line and column, without Jackson's source-location boilerplate. */
  private static String describe(IOException e) {
    if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j) {
      String problem = firstLine(j.getOriginalMessage());
      int marker = problem.indexOf(" (start marker at");
      if (marker > 0) {
        problem = problem.substring(0, marker);
      }
      com.fasterxml.jackson.core.JsonLocation at = j.getLocation();
      return at == null
          ? problem
          : problem + " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    }
    return firstLine(e.getMessage());
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
