package io.gapsync.protocol;

import java.util.regex.Pattern;

/**
 * One line of an {@link Inventory}: a blob or a manifest the site's store holds.
 *
 * @param digest the content digest
 * @param size the size in bytes, 0 to 2^53 (the largest integer every JSON reader keeps exact)
 * @param mediaType the manifest media type, or null for blobs (and for manifests in an {@link
 *     InventoryDiff} computed from {@link CompactInventory compact inventories}, which do not keep
 *     media types)
 */
public record InventoryEntry(Digest digest, long size, String mediaType) {

  /** Largest size an entry may have: 2^53, so that every JSON reader keeps it exact. */
  public static final long MAX_SIZE = 1L << 53;

  /** Most characters of a media type (RFC 6838: 127 each for type and subtype, plus '/'). */
  static final int MAX_MEDIA_TYPE_LENGTH = 255;

  /** RFC 6838 restricted names: type/subtype, no parameters. Needs no escaping in JSON. */
  private static final String RESTRICTED_NAME = "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}";

  private static final Pattern MEDIA_TYPE =
      Pattern.compile(RESTRICTED_NAME + "/" + RESTRICTED_NAME);

  /** Validates the fields. */
  public InventoryEntry {
    if (digest == null) {
      throw new ProtocolException(
          ProtocolException.Code.INVENTORY_INVALID, "Inventory entry has no digest");
    }
    if (size < 0 || size > MAX_SIZE) {
      throw new ProtocolException(
          ProtocolException.Code.INVENTORY_INVALID,
          "Inventory entry " + digest + " has size " + size + ", outside 0.." + MAX_SIZE);
    }
    if (mediaType != null && !isMediaType(mediaType)) {
      throw new ProtocolException(
          ProtocolException.Code.INVENTORY_INVALID,
          "Inventory entry "
              + digest
              + " has an invalid media type '"
              + abbreviate(mediaType)
              + "': expected type/subtype as RFC 6838 restricts them");
    }
  }

  /** Creates a blob entry. */
  public static InventoryEntry blob(Digest digest, long size) {
    return new InventoryEntry(digest, size, null);
  }

  /** Creates a manifest entry. */
  public static InventoryEntry manifest(Digest digest, long size, String mediaType) {
    if (mediaType == null) {
      throw new ProtocolException(
          ProtocolException.Code.INVENTORY_INVALID,
          "Inventory manifest entry " + digest + " has no media type");
    }
    return new InventoryEntry(digest, size, mediaType);
  }

  /** Returns true if the string is a media type an inventory may hold. */
  static boolean isMediaType(String value) {
    return value.length() <= MAX_MEDIA_TYPE_LENGTH && MEDIA_TYPE.matcher(value).matches();
  }

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
