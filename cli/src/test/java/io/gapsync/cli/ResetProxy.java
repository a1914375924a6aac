package io.gapsync.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 that can break one connection: once armed, the first connection whose
 * server-to-client bytes pass a threshold is reset (SO_LINGER 0), as a flaky link would do
 * mid-blob.
 */
final class ResetProxy implements AutoCloseable {

  private final ServerSocket server;
  private final int targetPort;
  private final AtomicLong resetAfter = new AtomicLong(-1);
  private final AtomicInteger resets = new AtomicInteger();
  private final Thread acceptor;

  ResetProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::acceptLoop, "reset-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Returns {@code 127.0.0.1:PORT} of the proxy. */
  String host() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** Resets the next connection that has sent more than {@code bytes} to its client. */
  void resetOnceAfter(long bytes) {
    resetAfter.set(bytes);
  }

  /** Returns how many connections were reset. */
  int resets() {
    return resets.get();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        start(() -> pump(client, upstream, false));
        start(() -> pump(upstream, client, true));
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void start(Runnable r) {
    Thread t = new Thread(r, "reset-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private void pump(Socket from, Socket to, boolean downstream) {
    byte[] buf = new byte[16 * 1024];
    long sent = 0;
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
        sent += n;
        long limit = resetAfter.get();
        if (downstream && limit >= 0 && sent > limit && resetAfter.compareAndSet(limit, -1)) {
          resets.incrementAndGet();
          to.setSoLinger(true, 0);
          to.close();
          from.close();
          return;
        }
      }
    } catch (IOException e) {
      // One side closed: close both below.
    } finally {
      try {
        from.close();
        to.close();
      } catch (IOException e) {
        // Already closed.
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
