package io.gapsync.protocol.diode;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One object in the sender's CATALOG (docs/FORMAT.md section 5.3): lets the receiver name an
 * object, and say it is missing, even when not one datagram of it arrived. The catalogue is not
 * signed: it only ever names objects in reports, it never causes anything to be published.
 *
 * <p>Entry, big-endian: sha256 (32 bytes), size u64, passes done u16, passes planned u16, name
 * length u8, name (UTF-8). A CATALOG payload is an entry count u16 then that many entries.
 *
 * @param digest the object's sha256
 * @param size its size in bytes
 * @param passesDone passes the sender has finished
 * @param passes passes the sender plans
 * @param name its file name
 */
public record CatalogEntry(Digest digest, long size, int passesDone, int passes, String name) {

  private static final int FIXED = 45;

  /** Validates the name. */
  public CatalogEntry {
    Announcement.checkName(name);
  }

  /** Returns the encoded length of this entry. */
  public int encodedLength() {
    return FIXED + name.getBytes(StandardCharsets.UTF_8).length;
  }

  /**
   * Writes a CATALOG payload of {@code entries} at an absolute index.
   *
   * @return the payload's length
   */
  public static int encode(List<CatalogEntry> entries, ByteBuffer buffer, int offset) {
    ByteBuffer b = buffer.order(ByteOrder.BIG_ENDIAN);
    b.putShort(offset, (short) entries.size());
    int at = offset + 2;
    for (CatalogEntry e : entries) {
      byte[] name = e.name.getBytes(StandardCharsets.UTF_8);
      b.put(at, e.digest.raw());
      b.putLong(at + 32, e.size);
      b.putShort(at + 40, (short) e.passesDone);
      b.putShort(at + 42, (short) e.passes);
      b.put(at + 44, (byte) name.length);
      b.put(at + FIXED, name);
      at += FIXED + name.length;
    }
    return at - offset;
  }

  /**
   * Splits entries into CATALOG payloads of at most {@code capacity} bytes each.
   *
   * @return the parts, each a list of entries
   */
  public static List<List<CatalogEntry>> split(List<CatalogEntry> entries, int capacity) {
    List<List<CatalogEntry>> parts = new ArrayList<>();
    List<CatalogEntry> part = new ArrayList<>();
    int used = 2;
    for (CatalogEntry e : entries) {
      if (used + e.encodedLength() > capacity && !part.isEmpty()) {
        parts.add(part);
        part = new ArrayList<>();
        used = 2;
      }
      part.add(e);
      used += e.encodedLength();
    }
    if (!part.isEmpty()) {
      parts.add(part);
    }
    return parts;
  }

  /**
   * Reads a CATALOG payload.
   *
   * @throws DiodeException if it is truncated or names an invalid file
   */
  public static List<CatalogEntry> decode(ByteBuffer buffer, int offset, int length) {
    ByteBuffer b = buffer.duplicate().order(ByteOrder.BIG_ENDIAN);
    if (length < 2) {
      throw new DiodeException("Diode catalogue too short: " + length + " bytes");
    }
    int count = b.getShort(offset) & 0xffff;
    List<CatalogEntry> entries = new ArrayList<>(count);
    int at = offset + 2;
    int end = offset + length;
    for (int i = 0; i < count; i++) {
      if (at + FIXED > end || at + FIXED + (b.get(at + 44) & 0xff) > end) {
        throw new DiodeException(
            "Diode catalogue truncated at entry " + i + " of " + count + " (" + length + " bytes)");
      }
      byte[] raw = new byte[32];
      b.get(at, raw);
      byte[] name = new byte[b.get(at + 44) & 0xff];
      b.get(at + FIXED, name);
      entries.add(
          new CatalogEntry(
              Digest.fromRaw(DigestAlgorithm.SHA256, raw),
              b.getLong(at + 32),
              b.getShort(at + 40) & 0xffff,
              b.getShort(at + 42) & 0xffff,
              new String(name, StandardCharsets.UTF_8)));
      at += FIXED + name.length;
    }
    return entries;
  }
}
