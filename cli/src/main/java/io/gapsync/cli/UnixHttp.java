package io.gapsync.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The smallest HTTP/1.1 client that the admin socket needs: one request per connection ({@code
 * Connection: close}) over a Unix domain socket (the JDK's, Java 16+). Request bodies stream from
 * an {@link InputStream} with a known length (bounded memory); response bodies are the daemon's
 * small JSON answers, read whole up to {@link #MAX_RESPONSE_BYTES}.
 *
 * <p>Stateless and thread-safe. The JDK's {@code HttpClient} does not speak over Unix sockets.
 */
final class UnixHttp {

  /** Largest response body read (a fsck report listing many problems fits). */
  static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

  /** Size of the copy buffer of a streamed request body. */
  private static final int BUFFER_BYTES = 64 * 1024;

  /**
   * An answer.
   *
   * @param status the status code
   * @param headers the headers, names in lower case (the last value of a repeated header)
   * @param body the body
   */
  record Response(int status, Map<String, String> headers, byte[] body) {

    /** Returns a header's value, or null. */
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** Returns the body as UTF-8 text. */
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private UnixHttp() {}

  /**
   * Sends one request and reads its answer.
   *
   * @param socket the Unix socket
   * @param method the method
   * @param target the request target (path and query)
   * @param headers extra headers
   * @param body the body, or null for none; read up to {@code length} bytes, not closed
   * @param length the body's length
   * @return the answer
   * @throws java.net.ConnectException if nothing listens on the socket
   * @throws IOException if the exchange fails, or the body has fewer than {@code length} bytes (the
   *     connection is then closed early, so the daemon drops what it received)
   */
  static Response send(
      Path socket,
      String method,
      String target,
      Map<String, String> headers,
      InputStream body,
      long length)
      throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      OutputStream out = Channels.newOutputStream(ch);
      StringBuilder head = new StringBuilder();
      head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
      head.append("Host: gapsync-admin\r\nConnection: close\r\n");
      head.append("Content-Length: ").append(body == null ? 0 : length).append("\r\n");
      headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      head.append("\r\n");
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      IOException writeFailure = null;
      if (body != null) {
        try {
          copy(body, out, length);
        } catch (IOException e) {
          writeFailure = e;
        }
      }
      if (writeFailure != null && !(writeFailure instanceof ShortBodyException)) {
        // The daemon may have refused the request and closed: its answer says why.
        try {
          return read(new BufferedInputStream(Channels.newInputStream(ch)), method.equals("HEAD"));
        } catch (IOException e) {
          writeFailure.addSuppressed(e);
          throw writeFailure;
        }
      }
      if (writeFailure != null) {
        throw writeFailure;
      }
      out.flush();
      return read(new BufferedInputStream(Channels.newInputStream(ch)), method.equals("HEAD"));
    }
  }

  /**
   * Sends a GET and returns its body as a stream of exactly {@code Content-Length} bytes (bounded
   * memory, whatever the size); closing the stream closes the connection.
   *
   * @throws IOException if the exchange fails or the answer is not 200 (the message has its body)
   */
  static InputStream get(Path socket, String target) throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.connect(UnixDomainSocketAddress.of(socket));
      OutputStream out = Channels.newOutputStream(ch);
      out.write(
          ("GET " + target + " HTTP/1.1\r\nHost: gapsync-admin\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = new BufferedInputStream(Channels.newInputStream(ch), BUFFER_BYTES);
      String status = line(in);
      Map<String, String> headers = new LinkedHashMap<>();
      for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
        int colon = h.indexOf(':');
        if (colon > 0) {
          headers.put(
              h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
      }
      String cl = headers.get("content-length");
      if (status == null || !status.startsWith("HTTP/1.1 200") || cl == null) {
        byte[] err = in.readNBytes(64 * 1024);
        throw new IOException(
            "the daemon answered " + status + ": " + new String(err, StandardCharsets.UTF_8));
      }
      long length = Long.parseLong(cl);
      return new java.io.FilterInputStream(in) {
        private long left = length;

        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (left <= 0) {
            return -1;
          }
          int n = super.read(b, off, (int) Math.min(len, left));
          if (n < 0) {
            throw new IOException("the daemon's answer ended " + left + " bytes early");
          }
          left -= n;
          return n;
        }

        @Override
        public void close() throws IOException {
          ch.close();
        }
      };
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** Sends a request with a small body (or none). */
  static Response send(
      Path socket, String method, String target, Map<String, String> headers, byte[] body)
      throws IOException {
    return send(
        socket,
        method,
        target,
        headers,
        body == null ? null : new java.io.ByteArrayInputStream(body),
        body == null ? 0 : body.length);
  }

  /** The body ended before its announced length. */
  static final class ShortBodyException extends IOException {
    private static final long serialVersionUID = 1L;

    ShortBodyException(String message) {
      super(message);
    }
  }

  private static void copy(InputStream in, OutputStream out, long length) throws IOException {
    byte[] buf = new byte[BUFFER_BYTES];
    long left = length;
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        throw new ShortBodyException(
            "the content ended after " + (length - left) + " of " + length + " bytes");
      }
      out.write(buf, 0, n);
      left -= n;
    }
  }

  private static Response read(InputStream in, boolean head) throws IOException {
    String status = line(in);
    if (status == null || !status.startsWith("HTTP/1.")) {
      throw new IOException("the daemon's answer is not HTTP: " + status);
    }
    String[] parts = status.split(" ", 3);
    int code;
    try {
      code = Integer.parseInt(parts[1]);
    } catch (RuntimeException e) {
      throw new IOException("the daemon's status line is malformed: " + status, e);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
      int colon = h.indexOf(':');
      if (colon > 0) {
        headers.put(
            h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
      }
    }
    if (code == 100) {
      return read(in, head);
    }
    String cl = headers.get("content-length");
    long length = head || code == 204 ? 0 : cl == null ? -1 : Long.parseLong(cl);
    if (length > MAX_RESPONSE_BYTES) {
      throw new IOException("the daemon's answer is " + length + " bytes, over the limit");
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    long left = length < 0 ? MAX_RESPONSE_BYTES : length;
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        if (length >= 0) {
          throw new IOException("the daemon's answer ended early");
        }
        break;
      }
      body.write(buf, 0, n);
      left -= n;
    }
    return new Response(code, headers, body.toByteArray());
  }

  /** Reads a CRLF-terminated line (ISO-8859-1), or null at the end of the stream. */
  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        int len = b.length();
        return len > 0 && b.charAt(len - 1) == '\r' ? b.substring(0, len - 1) : b.toString();
      }
      if (b.length() > 16 * 1024) {
        throw new IOException("a header line of the daemon's answer is too long");
      }
      b.append((char) c);
    }
    return b.length() == 0 ? null : b.toString();
  }
}
