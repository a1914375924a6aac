package io.gapsync.cli.registry;

import io.gapsync.protocol.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A blob download that survives broken connections: when the body fails or ends before the
 * descriptor's size, it asks again from the current offset with {@code Range: bytes=N-} (accepting
 * a 206 that starts at N, or a 200 whose first N bytes it skips), up to the client's attempt limit.
 * It hands on bytes exactly once and never buffers more than the JDK client's flow-controlled
 * window; digest and size are verified by the consumer.
 */
final class ResumingBlobStream extends InputStream {

  private final RegistryClient client;
  private final RegistryRef target;
  private final Descriptor descriptor;
  private InputStream body;
  private long position;
  private int resumes;
  private boolean closed;

  /** Opens the first request eagerly, so a missing blob fails here. */
  ResumingBlobStream(RegistryClient client, RegistryRef target, Descriptor descriptor)
      throws IOException {
    this.client = client;
    this.target = target;
    this.descriptor = descriptor;
    this.body = open();
  }

  /** Returns how many times the download was resumed. */
  int resumes() {
    return resumes;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
    if (len == 0) {
      return 0;
    }
    while (true) {
      try {
        int n = body.read(b, off, len);
        if (n > 0) {
          position += n;
          client.countBlobBytes(n);
          return n;
        }
        if (n < 0 && position >= descriptor.size()) {
          return -1;
        }
        if (n < 0) {
          throw new IOException("the body ended at byte " + position + " of " + descriptor.size());
        }
      } catch (RegistryException e) {
        throw e;
      } catch (IOException e) {
        resume(e);
      }
    }
  }

  private void resume(IOException first) throws IOException {
    closeQuietly(body);
    body = null;
    IOException cause = first;
    while (true) {
      giveUpOrWait(cause);
      try {
        body = open();
        return;
      } catch (RegistryException e) {
        throw e;
      } catch (IOException e) {
        // The resume request itself broke (e.g. while skipping to the offset): count it too.
        cause = e;
      }
    }
  }

  private void giveUpOrWait(IOException cause) throws IOException {
    if (++resumes >= client.options().maxAttempts()) {
      throw new RegistryException(
          RegistryException.Code.UNAVAILABLE,
          "Tried to download blob "
              + descriptor.digest()
              + " from "
              + target
              + " but failed because the connection broke "
              + resumes
              + " times (last at byte "
              + position
              + " of "
              + descriptor.size()
              + ": "
              + cause.getMessage()
              + "): try again later; the next run downloads only the blobs the store still lacks",
          cause);
    }
    Duration wait = client.options().initialBackoff().multipliedBy(1L << Math.min(resumes - 1, 8));
    if (wait.compareTo(client.options().maxBackoff()) > 0) {
      wait = client.options().maxBackoff();
    }
    client.sleep(wait);
  }

  private InputStream open() throws IOException {
    HttpResponse<InputStream> r = client.blobFrom(target, descriptor.digest(), position);
    InputStream in = r.body();
    if (position == 0) {
      return in;
    }
    if (r.statusCode() == 206) {
      String range = r.headers().firstValue("Content-Range").orElse("");
      if (!range.startsWith("bytes " + position + "-")) {
        closeQuietly(in);
        throw RegistryException.failed(
            RegistryException.Code.PROTOCOL,
            "resume blob " + descriptor.digest() + " from " + target + " at byte " + position,
            "the registry sent the range '" + range + "'",
            "the registry's Range support is broken; try again");
      }
      return in;
    }
    // 200: the registry ignored Range; skip what was already handed on.
    long toSkip = position;
    byte[] buf = new byte[64 * 1024];
    while (toSkip > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, toSkip));
      if (n < 0) {
        closeQuietly(in);
        throw new IOException("the body ended while skipping to byte " + position);
      }
      toSkip -= n;
    }
    return in;
  }

  private static void closeQuietly(InputStream in) {
    if (in == null) {
      return;
    }
    try {
      in.close();
    } catch (IOException e) {
      // The connection is being abandoned anyway.
    }
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(body);
  }
}
