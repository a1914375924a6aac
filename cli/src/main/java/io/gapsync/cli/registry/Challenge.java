package io.gapsync.cli.registry;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A parsed {@code WWW-Authenticate} header (RFC 7235): a scheme and its parameters, e.g. {@code
 * Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="..."}.
 *
 * @param scheme the scheme in lower case, e.g. {@code bearer} or {@code basic}
 * @param params the parameters, names in lower case
 */
record Challenge(String scheme, Map<String, String> params) {

  /**
   * Parses one challenge. Quoted values may contain commas and escaped quotes.
   *
   * @param header the header value
   * @return the challenge, or null if the header is empty
   */
  static Challenge parse(String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    String h = header.trim();
    int sp = h.indexOf(' ');
    String scheme = (sp < 0 ? h : h.substring(0, sp)).toLowerCase(Locale.ROOT);
    Map<String, String> params = new LinkedHashMap<>();
    int i = sp < 0 ? h.length() : sp + 1;
    while (i < h.length()) {
      while (i < h.length() && (h.charAt(i) == ' ' || h.charAt(i) == ',')) {
        i++;
      }
      int eq = h.indexOf('=', i);
      if (eq < 0) {
        break;
      }
      String name = h.substring(i, eq).trim().toLowerCase(Locale.ROOT);
      i = eq + 1;
      StringBuilder value = new StringBuilder();
      if (i < h.length() && h.charAt(i) == '"') {
        i++;
        while (i < h.length() && h.charAt(i) != '"') {
          if (h.charAt(i) == '\\' && i + 1 < h.length()) {
            i++;
          }
          value.append(h.charAt(i++));
        }
        i++;
      } else {
        while (i < h.length() && h.charAt(i) != ',') {
          value.append(h.charAt(i++));
        }
      }
      params.put(name, value.toString().trim());
    }
    return new Challenge(scheme, Map.copyOf(params));
  }
}
