package io.gapsync.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing of the archive commands' sizes and durations, with the defaults they fall back to. */
final class ArchiveOptions {

  /** How long an archive stays valid unless {@code --expires-in} says otherwise. */
  static final Duration EXPIRES_IN_DEFAULT = Duration.ofDays(30);

  private static final Pattern SIZE =
      Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([kmgt]i?b?|b)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern DURATION = Pattern.compile("([0-9]+)([smhdw])");

  private ArchiveOptions() {}

  /**
   * Parses a size: a number with an optional unit. {@code K, M, G, T} (and {@code KB...}) are
   * decimal as on media labels (4.7G is a DVD); {@code KiB, MiB, GiB, TiB} are binary.
   *
   * @throws CliException if malformed
   */
  static long parseSize(String s) {
    Matcher m = SIZE.matcher(s.trim());
    if (!m.matches()) {
      throw new CliException(
          "Tried to read the size '"
              + s
              + "' but it is not a number with an optional unit (e.g. 4.7G, 700MiB)");
    }
    String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
    boolean binary = unit.contains("i");
    long base = binary ? 1024 : 1000;
    long factor =
        switch (unit.isEmpty() || unit.equals("b") ? ' ' : unit.charAt(0)) {
          case 'k' -> base;
          case 'm' -> base * base;
          case 'g' -> base * base * base;
          case 't' -> base * base * base * base;
          default -> 1;
        };
    double v = Double.parseDouble(m.group(1)) * factor;
    if (v < 1 || v > Long.MAX_VALUE / 2) {
      throw new CliException("Tried to read the size '" + s + "' but it is out of range");
    }
    return (long) v;
  }

  /**
   * Parses a duration: {@code 90s, 45m, 12h, 30d, 2w}, or ISO-8601 ({@code P30D}).
   *
   * @throws CliException if malformed or not positive
   */
  static Duration parseDuration(String s) {
    Matcher m = DURATION.matcher(s.trim().toLowerCase(Locale.ROOT));
    Duration d;
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      d =
          switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
          };
    } else {
      try {
        d = Duration.parse(s.trim());
      } catch (DateTimeParseException e) {
        throw new CliException(
            "Tried to read the duration '" + s + "' but it is not like 12h, 30d, 2w or P30D");
      }
    }
    if (d.isNegative() || d.isZero()) {
      throw new CliException("Tried to read the duration '" + s + "' but it is not positive");
    }
    return d;
  }
}
