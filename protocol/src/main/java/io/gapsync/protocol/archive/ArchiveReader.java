package io.gapsync.protocol.archive;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.trust.KeyId;
import io.gapsync.protocol.trust.KeySignature;
import io.gapsync.protocol.trust.TrustPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Reads an archive in the order of TUF's client workflow: bounded header, then the signatures
 * (threshold of trusted keys over the exact statement bytes), then the statement is parsed, then
 * the expiry is checked, and only then are entries read. Each entry's content is handed out as a
 * stream ({@link EntryStream}) that verifies, when it ends, the stored bytes against {@code
 * storedDigest} and the decoded content against {@code digest} and {@code size}, and throws naming
 * the entry otherwise; decoded output beyond the announced size fails at once (no decompression
 * bomb).
 *
 * <p>The caller owns and closes the input stream (pass a buffered one). Not thread-safe.
 */
public final class ArchiveReader {

  /** zstd window accepted when decoding: 2^24 = 16 MiB (the writer's levels use at most 8 MiB). */
  static final int ZSTD_WINDOW_LOG_MAX = 24;

  private final InputStream in;
  private final String source;
  private final ArchiveStatement statement;
  private final Digest statementDigest;
  private final Set<KeyId> signedBy;
  private boolean entriesRead;

  private ArchiveReader(
      InputStream in,
      String source,
      ArchiveStatement statement,
      Digest statementDigest,
      Set<KeyId> signedBy) {
    this.in = in;
    this.source = source;
    this.statement = statement;
    this.statementDigest = statementDigest;
    this.signedBy = signedBy;
  }

  /**
   * Reads and verifies the header, the signatures and the statement.
   *
   * @param in the archive, positioned at its start; not closed
   * @param source the archive's name, for messages
   * @param trust the keys and threshold to verify against
   * @param now the time to check the expiry at
   * @return the reader, positioned at the first entry
   * @throws ArchiveException FORMAT, TRUNCATED, STATEMENT_INVALID, ENCODING_UNSUPPORTED, EXPIRED
   * @throws io.gapsync.protocol.trust.TrustException THRESHOLD_NOT_MET if not signed by trusted
   *     keys
   * @throws IOException if reading fails
   */
  public static ArchiveReader open(InputStream in, String source, TrustPolicy trust, Instant now)
      throws IOException {
    byte[] header = readFully(in, ArchiveLayout.HEADER_LENGTH, source, "the header");
    if (!Arrays.equals(
        header,
        0,
        ArchiveLayout.MAGIC.length,
        ArchiveLayout.MAGIC,
        0,
        ArchiveLayout.MAGIC.length)) {
      throw new ArchiveException(
          ArchiveException.Reason.FORMAT,
          "Tried to read " + source + " but it is not a gapsync archive (no GAPSYNCA magic)");
    }
    ByteBuffer h = ByteBuffer.wrap(header);
    int version = Short.toUnsignedInt(h.getShort(ArchiveLayout.OFFSET_VERSION));
    if (version != ArchiveLayout.VERSION) {
      throw new ArchiveException(
          ArchiveException.Reason.FORMAT,
          "Tried to read "
              + source
              + " but its archive format version is "
              + version
              + " and this gapsync reads version "
              + ArchiveLayout.VERSION
              + (version > ArchiveLayout.VERSION ? ": upgrade gapsync" : ""));
    }
    int flags = Short.toUnsignedInt(h.getShort(ArchiveLayout.OFFSET_FLAGS));
    long stmtLength = Integer.toUnsignedLong(h.getInt(ArchiveLayout.OFFSET_STATEMENT_LENGTH));
    long sigLength = Integer.toUnsignedLong(h.getInt(ArchiveLayout.OFFSET_SIGNATURES_LENGTH));
    if (flags != 0
        || stmtLength == 0
        || stmtLength > ArchiveStatement.MAX_BYTES
        || sigLength == 0
        || sigLength > ArchiveLayout.MAX_SIGNATURES_BYTES) {
      throw new ArchiveException(
          ArchiveException.Reason.FORMAT,
          "Tried to read "
              + source
              + " but its header is damaged (flags "
              + flags
              + ", statement "
              + stmtLength
              + " bytes, signatures "
              + sigLength
              + " bytes; limits "
              + ArchiveStatement.MAX_BYTES
              + " and "
              + ArchiveLayout.MAX_SIGNATURES_BYTES
              + ")");
    }
    byte[] stmt = readFully(in, (int) stmtLength, source, "the statement");
    byte[] sigBytes = readFully(in, (int) sigLength, source, "the signatures");
    List<KeySignature> sigs = ArchiveLayout.readSignatures(sigBytes, source);
    // Signatures before parsing: an untrusted statement is never interpreted.
    Set<KeyId> signedBy = trust.verify(stmt, sigs, "archive " + source);
    ArchiveStatement statement = ArchiveStatement.parse(stmt, source);
    if (now.isAfter(statement.expiresAt())) {
      throw new ArchiveException(
          ArchiveException.Reason.EXPIRED,
          "Tried to import archive "
              + source
              + " (producer "
              + statement.producerId()
              + ", sequence "
              + statement.sequence()
              + ") but it expired at "
              + statement.expiresAt()
              + " and it is now "
              + now
              + ": ask the producer for a fresh archive (or check this machine's clock)");
    }
    return new ArchiveReader(in, source, statement, Digest.sha256Of(stmt), signedBy);
  }

  /** Returns the verified statement. */
  public ArchiveStatement statement() {
    return statement;
  }

  /** Returns the sha256 of the exact statement bytes (identifies the archive's content). */
  public Digest statementDigest() {
    return statementDigest;
  }

  /** Returns the trusted keys whose signatures verified. */
  public Set<KeyId> signedBy() {
    return signedBy;
  }

  /** Receives each entry's content in archive order. */
  @FunctionalInterface
  public interface EntryHandler {
    /**
     * Consumes an entry. The handler may read the content partly or not at all: the reader reads
     * the rest and verifies it when the handler returns.
     *
     * @param index the entry's index
     * @param entry the entry, as the statement lists it
     * @param content the decoded content; it throws {@link ArchiveException} ENTRY_CORRUPT or
     *     TRUNCATED at its end (or as soon as it exceeds the size) if the entry is damaged
     * @throws IOException to stop reading
     */
    void accept(int index, ArchiveEntry entry, InputStream content) throws IOException;
  }

  /**
   * Reads every entry, verifying each, then the trailer and the end of the archive.
   *
   * @param handler receives each entry
   * @throws ArchiveException ENTRY_CORRUPT or TRUNCATED naming the entry
   * @throws IOException if reading fails or the handler fails
   */
  public void readEntries(EntryHandler handler) throws IOException {
    if (entriesRead) {
      throw new IllegalStateException("entries were read already");
    }
    entriesRead = true;
    List<ArchiveEntry> entries = statement.entries();
    for (int i = 0; i < entries.size(); i++) {
      ArchiveEntry e = entries.get(i);
      String what = describe(i, e);
      ByteBuffer f =
          ByteBuffer.wrap(readFully(in, ArchiveLayout.ENTRY_HEADER_LENGTH, source, what));
      int magic = f.getInt();
      int index = f.getInt();
      long stored = f.getLong();
      if (magic != ArchiveLayout.ENTRY_MAGIC || index != i || stored != e.storedSize()) {
        throw new ArchiveException(
            ArchiveException.Reason.ENTRY_CORRUPT,
            "Tried to read "
                + what
                + " of archive "
                + source
                + " but its frame header is damaged (index "
                + index
                + ", stored length "
                + stored
                + " where the statement says "
                + e.storedSize()
                + ")");
      }
      try (EntryStream content = new EntryStream(in, e, what + " of archive " + source)) {
        handler.accept(i, e, content);
        content.finish();
      }
    }
    ByteBuffer t =
        ByteBuffer.wrap(readFully(in, ArchiveLayout.TRAILER_LENGTH, source, "the trailer"));
    if (t.getInt() != ArchiveLayout.TRAILER_MAGIC || t.getInt() != entries.size()) {
      throw new ArchiveException(
          ArchiveException.Reason.ENTRY_CORRUPT,
          "Tried to read the trailer of archive " + source + " but it is damaged");
    }
    if (in.read() >= 0) {
      throw new ArchiveException(
          ArchiveException.Reason.TRUNCATED,
          "Tried to read archive "
              + source
              + " but it has bytes after its trailer: it is damaged or two files were joined");
    }
  }

  static String describe(int i, ArchiveEntry e) {
    return "entry " + i + " (" + e.kind().wire() + " " + e.digest() + ", " + e.mediaType() + ")";
  }

  static byte[] readFully(InputStream in, int n, String source, String what) throws IOException {
    byte[] b = in.readNBytes(n);
    if (b.length < n) {
      throw new ArchiveException(
          ArchiveException.Reason.TRUNCATED,
          "Tried to read "
              + what
              + " of archive "
              + source
              + " but the archive ends after "
              + b.length
              + " of its "
              + n
              + " bytes: it is truncated (copy it again, or supply every volume)");
    }
    return b;
  }
}
