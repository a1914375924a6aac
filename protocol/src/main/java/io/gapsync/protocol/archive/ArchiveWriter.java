package io.gapsync.protocol.archive;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdOutputStream;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import io.gapsync.protocol.DigestingInputStream;
import io.gapsync.protocol.trust.KeySignature;
import io.gapsync.protocol.trust.SigningKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes an archive in two steps, with memory bounded by a few buffers whatever the content size:
 *
 * <ol>
 *   <li>{@link #prepare} each entry: choose its encoding (by media type, else by compressing a
 *       sample) and, for zstd entries, compress the content once into a counting, hashing sink to
 *       learn the stored size and digest the statement must carry (identity entries need no pass:
 *       stored bytes are the content);
 *   <li>{@link #write} the header, the signed statement, then every entry, compressing again and
 *       checking that the stored bytes are exactly those the statement announced (zstd is
 *       deterministic for the same input and level), then the trailer.
 * </ol>
 *
 * <p>The content is read from a {@link ContentSource}; its digest is checked on every pass, so a
 * corrupt store is caught before it ships. Not thread-safe; the caller owns the output stream.
 */
public final class ArchiveWriter {

  /** Default zstd level: good ratio for JSON and tar at a few hundred MB/s. */
  public static final int ZSTD_LEVEL_DEFAULT = 6;

  /** Bytes of content compressed to decide whether an entry of unknown media type compresses. */
  public static final int SAMPLE_BYTES = 1024 * 1024;

  /** A sample that compresses to more than this fraction of its size is stored as is. */
  public static final double SAMPLE_RATIO_MAX = 0.9;

  private final ContentSource source;
  private final int level;

  /**
   * Creates a writer.
   *
   * @param source where entry content comes from
   * @param level the zstd level, 1 to 19
   */
  public ArchiveWriter(ContentSource source, int level) {
    if (level < 1 || level > 19) {
      throw new IllegalArgumentException("zstd level must be 1..19, got " + level);
    }
    this.source = source;
    this.level = level;
  }

  /**
   * Chooses an entry's encoding and computes its stored size and digest.
   *
   * @param digest the content digest
   * @param size the content size
   * @param mediaType the media type
   * @param kind blob or manifest
   * @return the entry, ready for a statement
   * @throws IOException if the content cannot be read
   * @throws io.gapsync.protocol.ProtocolException if the content does not match digest and size
   */
  public ArchiveEntry prepare(Digest digest, long size, String mediaType, EntryKind kind)
      throws IOException {
    String encoding = EntryEncoding.byMediaType(mediaType, kind);
    if (encoding == null) {
      encoding = compressesWell(digest, kind) ? EntryEncoding.ZSTD : EntryEncoding.IDENTITY;
    }
    if (encoding.equals(EntryEncoding.IDENTITY) || size == 0) {
      return new ArchiveEntry(
          digest, size, mediaType, kind, EntryEncoding.IDENTITY, null, size, digest);
    }
    Streams.HashingOutputStream sink =
        new Streams.HashingOutputStream(OutputStream.nullOutputStream());
    encode(
        new ArchiveEntry(digest, size, mediaType, kind, EntryEncoding.ZSTD, null, 0, digest), sink);
    return new ArchiveEntry(
        digest,
        size,
        mediaType,
        kind,
        EntryEncoding.ZSTD,
        null,
        sink.count,
        Digest.fromRaw(DigestAlgorithm.SHA256, sink.sha256.digest()));
  }

  private boolean compressesWell(Digest digest, EntryKind kind) throws IOException {
    byte[] sample;
    try (InputStream in = source.open(digest, kind)) {
      sample = in.readNBytes(SAMPLE_BYTES);
    }
    if (sample.length == 0) {
      return false;
    }
    byte[] packed = Zstd.compress(sample, level);
    return packed.length <= sample.length * SAMPLE_RATIO_MAX;
  }

  /** Streams an entry's content, encoded, into {@code out}; checks the content digest. */
  private void encode(ArchiveEntry e, OutputStream out) throws IOException {
    try (InputStream raw = source.open(e.digest(), e.kind());
        DigestingInputStream in = new DigestingInputStream(raw, DigestAlgorithm.SHA256)) {
      if (e.encoding().equals(EntryEncoding.IDENTITY)) {
        Streams.copy(in, out);
      } else {
        try (ZstdOutputStream z = new ZstdOutputStream(Streams.nonClosing(out), level)) {
          Streams.copy(in, z);
        }
      }
      in.verify(e.digest(), e.size(), e.kind().wire() + " " + e.digest() + " (archive content)");
    }
  }

  /**
   * Signs the statement and writes the whole archive.
   *
   * @param statement the statement, its entries prepared by {@link #prepare}
   * @param keys the keys to sign with (at least one; several for a threshold or a rotation)
   * @param out where to write; not closed
   * @return the statement's signatures
   * @throws IOException if reading content or writing fails
   * @throws ArchiveException ENTRY_CORRUPT if an entry's stored bytes differ from the statement
   */
  public List<KeySignature> write(
      ArchiveStatement statement, List<SigningKey> keys, OutputStream out) throws IOException {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("an archive needs at least one signature");
    }
    byte[] stmt = statement.toBytes();
    if (stmt.length > ArchiveStatement.MAX_BYTES) {
      throw new ArchiveException(
          ArchiveException.Reason.STATEMENT_INVALID,
          "Tried to write an archive of "
              + statement.entries().size()
              + " entries but its statement is "
              + stmt.length
              + " bytes, over the limit of "
              + ArchiveStatement.MAX_BYTES
              + ": export fewer tags at a time");
    }
    List<KeySignature> sigs = new ArrayList<>();
    for (SigningKey k : keys) {
      sigs.add(k.sign(stmt));
    }
    byte[] sigBytes = ArchiveLayout.writeSignatures(sigs);
    ByteBuffer h = ByteBuffer.allocate(ArchiveLayout.HEADER_LENGTH);
    h.put(ArchiveLayout.MAGIC)
        .putShort((short) ArchiveLayout.VERSION)
        .putShort((short) 0)
        .putInt(stmt.length)
        .putInt(sigBytes.length);
    out.write(h.array());
    out.write(stmt);
    out.write(sigBytes);
    List<ArchiveEntry> entries = statement.entries();
    for (int i = 0; i < entries.size(); i++) {
      ArchiveEntry e = entries.get(i);
      ByteBuffer f = ByteBuffer.allocate(ArchiveLayout.ENTRY_HEADER_LENGTH);
      f.putInt(ArchiveLayout.ENTRY_MAGIC).putInt(i).putLong(e.storedSize());
      out.write(f.array());
      Streams.HashingOutputStream hashed = new Streams.HashingOutputStream(Streams.nonClosing(out));
      encode(e, hashed);
      Digest stored = Digest.fromRaw(DigestAlgorithm.SHA256, hashed.sha256.digest());
      if (hashed.count != e.storedSize() || !stored.equals(e.storedDigest())) {
        throw new ArchiveException(
            ArchiveException.Reason.ENTRY_CORRUPT,
            "Tried to write entry "
                + i
                + " ("
                + e.digest()
                + ") but its stored bytes ("
                + hashed.count
                + " bytes, "
                + stored
                + ") differ from those prepared ("
                + e.storedSize()
                + " bytes, "
                + e.storedDigest()
                + "): the content changed while exporting; export again");
      }
    }
    ByteBuffer t = ByteBuffer.allocate(ArchiveLayout.TRAILER_LENGTH);
    t.putInt(ArchiveLayout.TRAILER_MAGIC).putInt(entries.size());
    out.write(t.array());
    out.flush();
    return sigs;
  }
}
