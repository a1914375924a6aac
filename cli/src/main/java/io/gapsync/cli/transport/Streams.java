package io.gapsync.cli.transport;

import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.DigestingInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Bounded, verifying stream copies shared by the sources and sinks. */
final class Streams {

  private static final int BUFFER_BYTES = 64 * 1024;

  private Streams() {}

  /**
   * Reads a whole small document, refusing more than {@code maxBytes}.
   *
   * @param in the stream (not closed here)
   * @param maxBytes the limit
   * @param triedTo what is being read, naming the source, for the message
   * @return the bytes
   * @throws TransportException with {@code CONTENT_INVALID} if the document is over the limit
   */
  static byte[] readBounded(InputStream in, int maxBytes, String triedTo) throws IOException {
    byte[] bytes = in.readNBytes(maxBytes + 1);
    if (bytes.length > maxBytes) {
      throw TransportException.failed(
          TransportException.Code.CONTENT_INVALID,
          triedTo,
          "it is over the limit of " + maxBytes + " bytes",
          "gapsync refuses oversized metadata; check that the file is what it should be");
    }
    return bytes;
  }

  /**
   * Reads content announced by a descriptor into memory and verifies it. Only for documents the
   * caller has already bounded (manifests, configs).
   *
   * @param in the stream (not closed here)
   * @param d the descriptor; its size must fit an array
   * @param what the content, for the message, e.g. "manifest sha256:... from oci:/x"
   * @return the verified bytes
   * @throws io.gapsync.protocol.ProtocolException on a size or digest mismatch
   */
  static byte[] readVerified(InputStream in, Descriptor d, String what) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(d.size(), BUFFER_BYTES));
    copyVerified(in, d, out, what);
    return out.toByteArray();
  }

  /**
   * Copies content announced by a descriptor, hashing it in the same pass: writes at most {@code
   * d.size()} bytes, reads one more to detect overlong content, then verifies digest and size.
   * Nothing beyond the announced size ever reaches {@code out}.
   *
   * @param in the content (not closed here)
   * @param d the descriptor
   * @param out the destination (not closed here)
   * @param what the content, for the message
   * @throws io.gapsync.protocol.ProtocolException on a size or digest mismatch
   */
  static void copyVerified(InputStream in, Descriptor d, OutputStream out, String what)
      throws IOException {
    DigestingInputStream digesting = new DigestingInputStream(in, d.digest().algorithm());
    byte[] buf = new byte[BUFFER_BYTES];
    long remaining = d.size();
    while (remaining > 0) {
      int n = digesting.read(buf, 0, (int) Math.min(buf.length, remaining));
      if (n < 0) {
        break;
      }
      out.write(buf, 0, n);
      remaining -= n;
    }
    if (remaining == 0) {
      // One probe byte: counted by the digesting stream, so verify reports the size mismatch.
      digesting.read();
    }
    digesting.verify(d.digest(), d.size(), what);
  }
}
