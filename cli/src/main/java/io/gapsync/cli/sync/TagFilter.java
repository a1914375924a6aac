package io.gapsync.cli.sync;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which tags of a repository a sync set takes. Filters apply in this order: {@code regex} (found
 * anywhere in the tag, as {@code grep -E} does; anchor with {@code ^...$} for a whole-tag match),
 * {@code semver} (the tag must read as a version in the range), then {@code newest} (keep the N
 * highest versions; tags that are not versions, and pre-releases unless the semver range names one,
 * are dropped by this step). With none of them every tag is taken. The result is sorted by version,
 * then by name.
 *
 * @param regex the pattern, or null
 * @param semver the range, or null
 * @param newest how many of the highest versions to keep, or 0 for all
 */
public record TagFilter(Pattern regex, SemVer.Range semver, int newest) {

  /** Takes every tag. */
  public static final TagFilter ALL = new TagFilter(null, null, 0);

  /** Most tags one filter may select, so a typo cannot start mirroring a whole registry. */
  public static final int NEWEST_MAX = 10_000;

  /**
   * Applies the filter.
   *
   * @param tags the repository's tags
   * @return the selected tags, sorted
   */
  public List<String> apply(List<String> tags) {
    List<String> out = new ArrayList<>();
    for (String t : tags) {
      if (regex != null && !regex.matcher(t).find()) {
        continue;
      }
      if (semver != null) {
        SemVer v = SemVer.parse(t);
        if (v == null || !semver.test(v)) {
          continue;
        }
      }
      if (newest > 0) {
        SemVer v = SemVer.parse(t);
        boolean prereleasesAsked = semver != null && semver.text().contains("-");
        if (v == null || (v.isPrerelease() && !prereleasesAsked)) {
          continue;
        }
      }
      out.add(t);
    }
    Comparator<String> byVersion =
        Comparator.comparing(
            (String t) -> SemVer.parse(t), Comparator.nullsFirst(Comparator.naturalOrder()));
    out.sort(byVersion.thenComparing(Comparator.naturalOrder()));
    if (newest > 0 && out.size() > newest) {
      return List.copyOf(out.subList(out.size() - newest, out.size()));
    }
    return List.copyOf(out);
  }
}
