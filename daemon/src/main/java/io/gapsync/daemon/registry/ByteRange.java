package io.gapsync.daemon.registry;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An inclusive byte range, {@code first} to {@code last}, parsed from the two headers the spec
 * uses: a request's {@code Range: bytes=a-b} (RFC 9110 14.2; one range only) and an upload chunk's
 * {@code Content-Range: a-b} (distribution spec "Pushing a blob in chunks").
 *
 * @param first the first byte
 * @param last the last byte, inclusive
 */
record ByteRange(long first, long last) {

  private static final Pattern RANGE = Pattern.compile("bytes=(\\d{0,19})-(\\d{0,19})");
  private static final Pattern CONTENT_RANGE =
      Pattern.compile("(?:bytes[ =])?(\\d{1,19})-(\\d{1,19})(?:/.*)?");

  /** Returns the number of bytes. */
  long length() {
    return last - first + 1;
  }

  /**
   * Resolves a {@code Range} header against a blob size.
   *
   * @param header the header, or null
   * @param size the blob size
   * @return null to serve the whole blob (no header, or one this parser does not honour, such as
   *     several ranges: RFC 9110 lets a server ignore Range), else the range
   * @throws RegistryException with status 416 if the range cannot be satisfied
   */
  static ByteRange ofRequest(String header, long size) {
    if (header == null) {
      return null;
    }
    Matcher m = RANGE.matcher(header.trim());
    if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
      return null;
    }
    long first;
    long last;
    if (m.group(1).isEmpty()) {
      long suffix = Long.parseLong(m.group(2));
      if (suffix == 0 || size == 0) {
        throw unsatisfiable(header, size);
      }
      first = Math.max(0, size - suffix);
      last = size - 1;
    } else {
      first = Long.parseLong(m.group(1));
      last = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
      if (m.group(2).isEmpty() ? first >= size : Long.parseLong(m.group(2)) < first) {
        throw unsatisfiable(header, size);
      }
      if (first >= size) {
        throw unsatisfiable(header, size);
      }
    }
    return new ByteRange(first, last);
  }

  /**
   * Parses an upload chunk's {@code Content-Range}.
   *
   * @return the range, or null if the header is absent
   * @throws RegistryException BLOB_UPLOAD_INVALID (416) if it is malformed or ends before it starts
   */
  static ByteRange ofUploadChunk(String header) {
    if (header == null) {
      return null;
    }
    Matcher m = CONTENT_RANGE.matcher(header.trim());
    if (!m.matches() || Long.parseLong(m.group(2)) < Long.parseLong(m.group(1))) {
      throw new RegistryException(
          ErrorCode.BLOB_UPLOAD_INVALID,
          io.netty.handler.codec.http.HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
          "Tried to append a chunk with Content-Range '"
              + header
              + "' but failed because it is not of the form <first>-<last>");
    }
    return new ByteRange(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
  }

  private static RegistryException unsatisfiable(String header, long size) {
    return new RegistryException(
        ErrorCode.BLOB_UNKNOWN,
        io.netty.handler.codec.http.HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
        "Tried to read range '"
            + header
            + "' but failed because the blob is "
            + size
            + " bytes long");
  }
}
