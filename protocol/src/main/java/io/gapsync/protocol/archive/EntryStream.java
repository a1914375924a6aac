package io.gapsync.protocol.archive;

import com.github.luben.zstd.ZstdInputStream;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * One entry's decoded content. Reads exactly the entry's stored bytes from the archive, hashing
 * them, decodes them, hashing and counting the output, and at the end checks both digests and the
 * size. A decoded byte beyond the announced size fails at once. Closing drains nothing: the reader
 * calls {@link #finish()} to read and verify the rest.
 */
final class EntryStream extends InputStream {

  private final ArchiveEntry entry;
  private final String what;
  private final Bounded stored;
  private final InputStream decoded;
  private final MessageDigest contentHash;
  private long count;
  private boolean verified;

  EntryStream(InputStream archive, ArchiveEntry entry, String what) throws IOException {
    this.entry = entry;
    this.what = what;
    this.stored = new Bounded(archive, entry.storedSize(), what);
    if (entry.encoding().equals(EntryEncoding.IDENTITY)) {
      // Stored bytes are the content; statement validation made storedDigest equal digest.
      this.decoded = stored;
      this.contentHash = null;
    } else {
      ZstdInputStream z = new ZstdInputStream(stored);
      z.setLongMax(ArchiveReader.ZSTD_WINDOW_LOG_MAX);
      this.decoded = z;
      this.contentHash = DigestAlgorithm.SHA256.newMessageDigest();
    }
  }

  @Override
  public int read() throws IOException {
    byte[] b = new byte[1];
    int n = read(b, 0, 1);
    return n < 0 ? -1 : b[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (verified) {
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    int n;
    try {
      n = decoded.read(b, off, len);
    } catch (ArchiveException e) {
      throw e;
    } catch (IOException e) {
      throw corruptStored("decoding failed: " + e.getMessage(), e);
    }
    if (n < 0) {
      verifyEnd();
      return -1;
    }
    count += n;
    if (contentHash != null) {
      contentHash.update(b, off, n);
    }
    if (count > entry.size()) {
      throw corrupt("it decodes to more than the " + entry.size() + " bytes announced");
    }
    return n;
  }

  /** Reads what the handler left and verifies the entry. */
  void finish() throws IOException {
    byte[] buf = new byte[Streams.BUFFER];
    while (read(buf, 0, buf.length) >= 0) {
      // drain
    }
  }

  /** Frees the decoder; the reader owns the archive stream and {@link #finish()} reads the rest. */
  @Override
  public void close() throws IOException {
    if (decoded != stored) {
      decoded.close();
    }
  }

  private void verifyEnd() throws IOException {
    stored.drain();
    Digest storedDigest = stored.digest();
    if (!storedDigest.equals(entry.storedDigest())) {
      throw corrupt(
          "its stored bytes hash to " + storedDigest + " instead of " + entry.storedDigest());
    }
    if (count != entry.size()) {
      throw corrupt("it decodes to " + count + " bytes where " + entry.size() + " were announced");
    }
    if (contentHash != null) {
      Digest d = Digest.fromRaw(DigestAlgorithm.SHA256, contentHash.digest());
      if (!d.equals(entry.digest())) {
        throw corrupt("it decodes to content hashing to " + d);
      }
    }
    verified = true;
  }

  /** A decoding failure: name the stored-digest mismatch if there is one (the likely cause). */
  private ArchiveException corruptStored(String why, Exception cause) {
    try {
      stored.drain();
      Digest d = stored.digest();
      if (!d.equals(entry.storedDigest())) {
        why =
            "its stored bytes hash to "
                + d
                + " instead of "
                + entry.storedDigest()
                + " ("
                + why
                + ")";
      }
    } catch (ArchiveException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // Keep the decoding failure.
    }
    return corrupt(why, cause);
  }

  private ArchiveException corrupt(String why) {
    return corrupt(why, null);
  }

  private ArchiveException corrupt(String why, Exception cause) {
    return new ArchiveException(
        ArchiveException.Reason.ENTRY_CORRUPT,
        "Tried to read " + what + " but it is corrupt: " + why,
        cause);
  }

  /** Exactly {@code length} bytes of the archive, hashed; ending early is TRUNCATED. */
  private static final class Bounded extends InputStream {
    private final InputStream in;
    private final String what;
    private final MessageDigest sha256 = DigestAlgorithm.SHA256.newMessageDigest();
    private long remaining;

    Bounded(InputStream in, long length, String what) {
      this.in = in;
      this.remaining = length;
      this.what = what;
    }

    @Override
    public int read() throws IOException {
      byte[] b = new byte[1];
      int n = read(b, 0, 1);
      return n < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining == 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n < 0) {
        throw new ArchiveException(
            ArchiveException.Reason.TRUNCATED,
            "Tried to read "
                + what
                + " but the archive ends "
                + remaining
                + " bytes before the entry does: it is truncated (copy it again, or supply every volume)");
      }
      sha256.update(b, off, n);
      remaining -= n;
      return n;
    }

    void drain() throws IOException {
      byte[] buf = new byte[Streams.BUFFER];
      while (read(buf, 0, buf.length) >= 0) {
        // drain
      }
    }

    Digest digest() {
      return Digest.fromRaw(DigestAlgorithm.SHA256, sha256.digest());
    }

    @Override
    public void close() {
      // Owned by the reader.
    }
  }
}
