package io.gapsync.daemon.registry;

import java.util.List;

/** Writes the small JSON documents the registry answers with (error bodies, listings). */
final class JsonText {

  private JsonText() {}

  /** Returns a JSON string literal (RFC 8259 escaping). */
  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  /** Returns a JSON array of strings. */
  static String array(List<String> values) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(quote(values.get(i)));
    }
    return b.append(']').toString();
  }
}
