package io.gapsync.daemon.registry;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The {@code n}/{@code last} pagination of tag and catalog listings (spec end-8b, "Listing Tags"):
 * entries strictly after {@code last} in lexical order, at most {@code n} of them, and a {@code
 * Link: <...?n=N&last=L>; rel="next"} header when more remain.
 *
 * @param entries the page
 * @param next the value of the Link header, or null on the last page
 */
record Pagination(List<String> entries, String next) {

  /** The most entries one page returns, whatever {@code n} asks: bounds the response size. */
  static final int PAGE_ENTRIES_MAX = 10_000;

  /**
   * Cuts a page out of a sorted list.
   *
   * @param sorted all entries, sorted
   * @param route the request (its {@code n} and {@code last})
   * @param path the path the Link header points at
   * @throws RegistryException UNSUPPORTED (400) if {@code n} is not a non-negative integer
   */
  static Pagination of(List<String> sorted, Route route, String path) {
    String last = route.param("last");
    String nParam = route.param("n");
    int n = PAGE_ENTRIES_MAX;
    if (nParam != null) {
      try {
        n = Integer.parseInt(nParam);
      } catch (NumberFormatException e) {
        n = -1;
      }
      if (n < 0) {
        throw new RegistryException(
            ErrorCode.UNSUPPORTED,
            HttpResponseStatus.BAD_REQUEST,
            "Tried to list " + path + " but failed because n='" + nParam + "' is not a count");
      }
      n = Math.min(n, PAGE_ENTRIES_MAX);
    }
    List<String> after =
        last == null ? sorted : sorted.stream().filter(s -> s.compareTo(last) > 0).toList();
    if (after.size() <= n) {
      return new Pagination(after, null);
    }
    List<String> page = after.subList(0, n);
    if (page.isEmpty()) {
      return new Pagination(page, null);
    }
    String link =
        "<"
            + path
            + "?n="
            + n
            + "&last="
            + URLEncoder.encode(page.get(page.size() - 1), StandardCharsets.UTF_8)
            + ">; rel=\"next\"";
    return new Pagination(page, link);
  }
}
