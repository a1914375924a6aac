package io.gapsync.daemon.registry;

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

/** A test client for the admin socket: raw HTTP/1.1 over the JDK's Unix sockets, one per call. */
final class UnixClient {

  /**
   * An answer.
   *
   * @param status the status
   * @param headers the headers, lower-case names
   * @param body the body
   */
  record Answer(int status, Map<String, String> headers, String body) {}

  private final Path socket;

  UnixClient(Path socket) {
    this.socket = socket;
  }

  Answer send(String method, String target, byte[] body, String... headers) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      OutputStream out = Channels.newOutputStream(ch);
      StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\n");
      head.append("Host: x\r\nConnection: close\r\n");
      head.append("Content-Length: ").append(body == null ? 0 : body.length).append("\r\n");
      for (int i = 0; i + 1 < headers.length; i += 2) {
        head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
      }
      out.write((head + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      if (body != null) {
        out.write(body);
      }
      return read(Channels.newInputStream(ch));
    }
  }

  Answer send(String method, String target) throws IOException {
    return send(method, target, null);
  }

  /** Reads an answer up to the end of the stream (the request asked to close). */
  static Answer read(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    in.transferTo(all);
    String text = all.toString(StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    String[] lines = text.substring(0, end).split("\r\n");
    Map<String, String> h = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int c = lines[i].indexOf(':');
      h.put(lines[i].substring(0, c).toLowerCase(Locale.ROOT), lines[i].substring(c + 1).trim());
    }
    String body =
        new String(
            text.substring(end + 4).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    return new Answer(Integer.parseInt(lines[0].split(" ")[1]), h, body);
  }
}
