package io.gapsync.cli;

import java.util.Locale;

/** Human-readable byte counts and parsing of sizes given on the command line. */
final class Sizes {

  private Sizes() {}

  /** Formats bytes with binary units, e.g. {@code 12.3 MiB}. */
  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
