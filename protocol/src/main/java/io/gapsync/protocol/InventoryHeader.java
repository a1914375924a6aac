package io.gapsync.protocol;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Everything in an inventory document except its two long lists: the version, the site, the
 * creation time, the tags and the watermarks. Small enough to hold in memory whatever the size of
 * the store; {@link InventoryWriter} writes it first and {@link InventoryReader} reads it first.
 *
 * <p>Validated once, at creation. The maps are copied into unmodifiable maps in natural (UTF-16,
 * which for these ASCII names is byte) order, whatever the comparator of the maps passed in.
 *
 * @param formatVersion the format version, {@link Inventory#FORMAT_VERSION}
 * @param siteId the site the inventory describes: 1 to 128 of {@code [A-Za-z0-9._-]}
 * @param createdAt when the inventory was taken; truncated to whole seconds, between 1970 and 9999
 * @param tags repository to tag to manifest digest
 * @param watermarks producer id to the highest archive sequence applied from it (reserved: may be
 *     empty); producer ids follow the site id grammar, sequences are non-negative
 */
public record InventoryHeader(
    int formatVersion,
    String siteId,
    Instant createdAt,
    SortedMap<String, SortedMap<String, Digest>> tags,
    SortedMap<String, Long> watermarks) {

  /** The grammar of site ids and producer ids. */
  public static final String SITE_ID_GRAMMAR = "[A-Za-z0-9._-]{1,128}";

  private static final Pattern SITE_ID = Pattern.compile(SITE_ID_GRAMMAR);

  /** The last instant whose ISO-8601 form has a four-digit year. */
  private static final Instant MAX_CREATED_AT = Instant.parse("9999-12-31T23:59:59Z");

  /** Validates the fields and copies the maps. */
  public InventoryHeader {
    checkVersion(formatVersion, "create an inventory header");
    if (siteId == null || !isSiteId(siteId)) {
      throw invalid("its site id '" + siteId + "' does not match " + SITE_ID_GRAMMAR);
    }
    if (createdAt == null
        || createdAt.isBefore(Instant.EPOCH)
        || createdAt.isAfter(MAX_CREATED_AT)) {
      throw invalid("its creation time " + createdAt + " is missing or outside 1970..9999");
    }
    createdAt = createdAt.truncatedTo(ChronoUnit.SECONDS);
    tags = copyTags(tags == null ? Collections.emptySortedMap() : tags);
    watermarks = copyWatermarks(watermarks == null ? Collections.emptySortedMap() : watermarks);
  }

  /**
   * Creates a header of the current format version.
   *
   * @param siteId the site id
   * @param createdAt the creation time
   * @param tags repository to tag to manifest digest
   * @param watermarks producer id to highest archive sequence applied
   * @return the header
   */
  public static InventoryHeader of(
      String siteId,
      Instant createdAt,
      SortedMap<String, SortedMap<String, Digest>> tags,
      SortedMap<String, Long> watermarks) {
    return new InventoryHeader(Inventory.FORMAT_VERSION, siteId, createdAt, tags, watermarks);
  }

  /** Returns the number of tags over all repositories. */
  public int tagCount() {
    int n = 0;
    for (SortedMap<String, Digest> t : tags.values()) {
      n += t.size();
    }
    return n;
  }

  /**
   * Refuses every format version but the current one, naming both.
   *
   * @param version the version found
   * @param action what was being done, for the message, e.g. "read inventory /tmp/site-a.json"
   * @throws ProtocolException with {@code INVENTORY_INVALID}
   */
  static void checkVersion(int version, String action) {
    if (version == Inventory.FORMAT_VERSION) {
      return;
    }
    String why =
        version > Inventory.FORMAT_VERSION
            ? "inventory format version "
                + version
                + " is newer than this gapsync understands ("
                + Inventory.FORMAT_VERSION
                + "): upgrade gapsync"
            : "inventory format version "
                + version
                + " does not exist (this gapsync writes and reads "
                + Inventory.FORMAT_VERSION
                + ")";
    throw new ProtocolException(
        ProtocolException.Code.INVENTORY_INVALID,
        "Tried to " + action + " but failed because " + why);
  }

  /** Returns true if the string is a valid site or producer id. */
  static boolean isSiteId(String value) {
    return value.length() <= 128 && SITE_ID.matcher(value).matches();
  }

  private static SortedMap<String, SortedMap<String, Digest>> copyTags(
      Map<String, ? extends Map<String, Digest>> tags) {
    TreeMap<String, SortedMap<String, Digest>> out = new TreeMap<>();
    for (Map.Entry<String, ? extends Map<String, Digest>> repo : tags.entrySet()) {
      if (!Reference.isRepository(repo.getKey())) {
        throw invalid(
            "its tags name repository '"
                + repo.getKey()
                + "', which does not match "
                + Reference.REPOSITORY_GRAMMAR);
      }
      if (repo.getValue() == null || repo.getValue().isEmpty()) {
        throw invalid("repository '" + repo.getKey() + "' has no tags: omit it instead");
      }
      TreeMap<String, Digest> repoTags = new TreeMap<>();
      for (Map.Entry<String, Digest> tag : repo.getValue().entrySet()) {
        if (!Reference.isTag(tag.getKey())) {
          throw invalid(
              "tag '"
                  + repo.getKey()
                  + ":"
                  + tag.getKey()
                  + "' does not match "
                  + Reference.TAG_GRAMMAR);
        }
        if (tag.getValue() == null) {
          throw invalid("tag '" + repo.getKey() + ":" + tag.getKey() + "' has no digest");
        }
        repoTags.put(tag.getKey(), tag.getValue());
      }
      out.put(repo.getKey(), Collections.unmodifiableSortedMap(repoTags));
    }
    return Collections.unmodifiableSortedMap(out);
  }

  private static SortedMap<String, Long> copyWatermarks(Map<String, Long> watermarks) {
    TreeMap<String, Long> out = new TreeMap<>();
    for (Map.Entry<String, Long> e : watermarks.entrySet()) {
      if (e.getKey() == null || !isSiteId(e.getKey())) {
        throw invalid(
            "its watermarks name producer '"
                + e.getKey()
                + "', which does not match "
                + SITE_ID_GRAMMAR);
      }
      if (e.getValue() == null || e.getValue() < 0) {
        throw invalid(
            "the watermark of producer '"
                + e.getKey()
                + "' is "
                + e.getValue()
                + ", not a non-negative sequence number");
      }
      out.put(e.getKey(), e.getValue());
    }
    return Collections.unmodifiableSortedMap(out);
  }

  private static ProtocolException invalid(String why) {
    return new ProtocolException(
        ProtocolException.Code.INVENTORY_INVALID,
        "Tried to create an inventory header but failed because " + why);
  }
}
