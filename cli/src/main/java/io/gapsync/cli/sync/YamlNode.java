package io.gapsync.cli.sync;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML value with the line it starts on and its field path, so validation errors can point at
 * both. Only what sync sets use: mappings, sequences and scalars (as text, or null).
 *
 * @param value a {@code Map<String, YamlNode>}, a {@code List<YamlNode>}, a {@code String}, or null
 * @param line the 1-based line
 * @param path the field path, e.g. {@code spec.images[0].ref}
 */
record YamlNode(Object value, int line, String path) {

  /** Largest sync set file read. */
  static final int MAX_FILE_BYTES = 4 * 1024 * 1024;

  /** Deepest nesting accepted. */
  static final int MAX_DEPTH = 32;

  /**
   * Parses a YAML document.
   *
   * @param yaml the bytes
   * @param file the file name, for messages
   * @return the root node
   * @throws SyncSetException if the YAML is malformed, has duplicate keys or nests too deep
   */
  static YamlNode parse(byte[] yaml, String file) {
    if (yaml.length > MAX_FILE_BYTES) {
      throw new SyncSetException(file, 0, "", "is over " + MAX_FILE_BYTES + " bytes");
    }
    try (JsonParser p = new YAMLFactory().createParser(yaml)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new SyncSetException(file, 1, "", "is empty: expected apiVersion, kind and spec");
      }
      return read(p, file, "", 0);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      String msg = e.getOriginalMessage().replaceAll("\\s+", " ");
      throw new SyncSetException(file, line, "", "is not valid YAML: " + msg);
    } catch (IOException e) {
      throw new SyncSetException(file, 0, "", "could not be parsed: " + e.getMessage());
    }
  }

  private static YamlNode read(JsonParser p, String file, String path, int depth)
      throws IOException {
    int line = p.currentTokenLocation().getLineNr();
    if (depth > MAX_DEPTH) {
      throw new SyncSetException(file, line, path, "nests deeper than " + MAX_DEPTH + " levels");
    }
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT) {
      Map<String, YamlNode> map = new LinkedHashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        int keyLine = p.currentTokenLocation().getLineNr();
        String childPath = path.isEmpty() ? name : path + "." + name;
        p.nextToken();
        YamlNode child = read(p, file, childPath, depth + 1);
        if (map.put(name, child) != null) {
          throw new SyncSetException(file, keyLine, childPath, "appears twice");
        }
      }
      return new YamlNode(map, line, path);
    }
    if (t == JsonToken.START_ARRAY) {
      List<YamlNode> list = new ArrayList<>();
      int i = 0;
      while (p.nextToken() != JsonToken.END_ARRAY) {
        list.add(read(p, file, path + "[" + i++ + "]", depth + 1));
      }
      return new YamlNode(list, line, path);
    }
    if (t == JsonToken.VALUE_NULL) {
      return new YamlNode(null, line, path);
    }
    return new YamlNode(p.getText(), line, path);
  }

  boolean isMap() {
    return value instanceof Map;
  }

  boolean isList() {
    return value instanceof List;
  }

  boolean isScalar() {
    return value instanceof String;
  }

  @SuppressWarnings("unchecked")
  Map<String, YamlNode> map() {
    return (Map<String, YamlNode>) value;
  }

  @SuppressWarnings("unchecked")
  List<YamlNode> list() {
    return (List<YamlNode>) value;
  }

  String text() {
    return (String) value;
  }
}
