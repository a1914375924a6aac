package io.gapsync.cli.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A version read from a tag: {@code [v]MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD]}, missing parts
 * being 0 (image tags such as {@code 1.25} are common). Ordered as semver 2.0.0 orders versions:
 * numbers, then a pre-release before its release, pre-release identifiers compared numerically or
 * lexically; build metadata is ignored.
 *
 * @param major the major version
 * @param minor the minor version
 * @param patch the patch version
 * @param prerelease the pre-release identifiers joined by dots, or null
 */
public record SemVer(long major, long minor, long patch, String prerelease)
    implements Comparable<SemVer> {

  private static final Pattern VERSION =
      Pattern.compile(
          "v?(0|[1-9][0-9]{0,17})(?:\\.(0|[1-9][0-9]{0,17}))?(?:\\.(0|[1-9][0-9]{0,17}))?"
              + "(?:-([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?(?:\\+[0-9A-Za-z.-]+)?");

  /**
   * Reads a tag as a version.
   *
   * @param tag the tag
   * @return the version, or null if the tag is not one
   */
  public static SemVer parse(String tag) {
    if (tag == null || tag.length() > 128) {
      return null;
    }
    Matcher m = VERSION.matcher(tag);
    if (!m.matches()) {
      return null;
    }
    return new SemVer(
        Long.parseLong(m.group(1)),
        m.group(2) == null ? 0 : Long.parseLong(m.group(2)),
        m.group(3) == null ? 0 : Long.parseLong(m.group(3)),
        m.group(4));
  }

  /** Returns true for a pre-release such as {@code 1.2.0-rc.1}. */
  public boolean isPrerelease() {
    return prerelease != null;
  }

  @Override
  public int compareTo(SemVer o) {
    int c = Long.compare(major, o.major);
    if (c == 0) {
      c = Long.compare(minor, o.minor);
    }
    if (c == 0) {
      c = Long.compare(patch, o.patch);
    }
    if (c != 0) {
      return c;
    }
    if (prerelease == null || o.prerelease == null) {
      return prerelease == null ? (o.prerelease == null ? 0 : 1) : -1;
    }
    String[] a = prerelease.split("\\.");
    String[] b = o.prerelease.split("\\.");
    for (int i = 0; i < Math.min(a.length, b.length); i++) {
      boolean an = a[i].matches("[0-9]{1,18}");
      boolean bn = b[i].matches("[0-9]{1,18}");
      int d =
          an && bn
              ? Long.compare(Long.parseLong(a[i]), Long.parseLong(b[i]))
              : an ? -1 : bn ? 1 : a[i].compareTo(b[i]);
      if (d != 0) {
        return d;
      }
    }
    return Integer.compare(a.length, b.length);
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + patch + (prerelease == null ? "" : "-" + prerelease);
  }

  /**
   * A range in the npm/Helm style: comparator sets joined by {@code ||}; each set is
   * space-separated comparators ({@code >=1.2}, {@code <2}, {@code =1.2.3}, {@code 1.2.3}), a caret
   * {@code ^1.2} ({@code >=1.2.0 <2.0.0}; {@code ^0.3} is {@code >=0.3.0 <0.4.0}), a tilde {@code
   * ~1.2} ({@code >=1.2.0 <1.3.0}), or a wildcard ({@code 1.x}, {@code 1.2.*}, {@code *}).
   * Pre-releases match only if the range itself names a pre-release.
   *
   * @param text the range as written
   * @param sets the comparator sets (OR of ANDs)
   */
  public record Range(String text, List<List<Comparator>> sets) {

    /**
     * One bound.
     *
     * @param op one of {@code >=}, {@code >}, {@code <=}, {@code <}, {@code =}
     * @param version the bound
     */
    public record Comparator(String op, SemVer version) {
      boolean test(SemVer v) {
        int c = v.compareTo(version);
        return switch (op) {
          case ">=" -> c >= 0;
          case ">" -> c > 0;
          case "<=" -> c <= 0;
          case "<" -> c < 0;
          default -> c == 0;
        };
      }
    }

    private static final Pattern TERM =
        Pattern.compile("(>=|<=|>|<|=|\\^|~)?\\s*(v?[0-9xX*][0-9A-Za-z.*+-]*|\\*)");

    /**
     * Parses a range.
     *
     * @param text the range
     * @return the range
     * @throws IllegalArgumentException naming the term that is not understood
     */
    public static Range parse(String text) {
      if (text == null || text.isBlank() || text.length() > 512) {
        throw new IllegalArgumentException("is empty or overlong; expected e.g. '>=1.2 <2'");
      }
      List<List<Comparator>> sets = new ArrayList<>();
      for (String alt : text.split("\\|\\|", -1)) {
        List<Comparator> set = new ArrayList<>();
        String s = alt.trim().replaceAll("(>=|<=|>|<|=|\\^|~)\\s+", "$1");
        if (s.isEmpty()) {
          throw new IllegalArgumentException("has an empty alternative around '||'");
        }
        for (String term : s.split("\\s+")) {
          addTerm(term, set);
        }
        sets.add(List.copyOf(set));
      }
      return new Range(text, List.copyOf(sets));
    }

    private static void addTerm(String term, List<Comparator> set) {
      Matcher m = TERM.matcher(term);
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "has the term '" + term + "' that is not a version comparison like >=1.2 or ^1");
      }
      String op = m.group(1) == null ? "=" : m.group(1);
      String v = m.group(2);
      String[] parts = v.replaceFirst("^v", "").split("[-+]", 2)[0].split("\\.");
      int wild = parts.length;
      for (int i = 0; i < parts.length; i++) {
        if (parts[i].equals("x") || parts[i].equals("X") || parts[i].equals("*")) {
          wild = i;
          break;
        }
      }
      boolean partial = wild < 3 || parts.length < 3;
      int given = Math.min(wild, parts.length);
      SemVer base =
          given == 0
              ? new SemVer(0, 0, 0, null)
              : SemVer.parse(String.join(".", java.util.Arrays.copyOf(parts, given)) + suffix(v));
      if (base == null || (wild < parts.length && !v.matches("v?[0-9.xX*]+"))) {
        throw new IllegalArgumentException("has the term '" + term + "' with a bad version");
      }
      switch (op) {
        case "^" -> {
          set.add(new Comparator(">=", base));
          SemVer upper =
              base.major > 0 || given <= 1
                  ? new SemVer(base.major + 1, 0, 0, null)
                  : base.minor > 0 || given == 2
                      ? new SemVer(0, base.minor + 1, 0, null)
                      : new SemVer(0, 0, base.patch + 1, null);
          set.add(new Comparator("<", withPreFloor(upper)));
        }
        case "~" -> {
          set.add(new Comparator(">=", base));
          SemVer upper =
              given <= 1
                  ? new SemVer(base.major + 1, 0, 0, null)
                  : new SemVer(base.major, base.minor + 1, 0, null);
          set.add(new Comparator("<", withPreFloor(upper)));
        }
        case "=" -> {
          if (!partial) {
            set.add(new Comparator("=", base));
          } else if (given > 0) {
            set.add(new Comparator(">=", base));
            SemVer upper =
                given == 1
                    ? new SemVer(base.major + 1, 0, 0, null)
                    : new SemVer(base.major, base.minor + 1, 0, null);
            set.add(new Comparator("<", withPreFloor(upper)));
          }
        }
        default -> set.add(new Comparator(op, base));
      }
    }

    /** The lowest pre-release of a version, so {@code <2.0.0} also excludes {@code 2.0.0-rc1}. */
    private static SemVer withPreFloor(SemVer v) {
      return new SemVer(v.major, v.minor, v.patch, "0");
    }

    private static String suffix(String v) {
      int dash = v.indexOf('-');
      return dash < 0 ? "" : v.substring(dash);
    }

    /**
     * Returns true if the version is in the range.
     *
     * @param v the version
     * @return true if one comparator set holds entirely
     */
    public boolean test(SemVer v) {
      if (v.isPrerelease() && !text.contains("-")) {
        return false;
      }
      for (List<Comparator> set : sets) {
        if (set.stream().allMatch(c -> c.test(v))) {
          return true;
        }
      }
      return false;
    }
  }
}
