package io.gapsync.daemon.registry;

import io.netty.buffer.ByteBuf;
import java.io.OutputStream;
import java.util.function.Consumer;

/**
 * Streams a request body into a blob upload as it arrives: one piece at a time, copied through a
 * small reusable buffer, so memory stays bounded whatever the body size. The upload hashes as it
 * writes. On {@link #end} it runs the route's completion; on {@link #abort} its cleanup, once.
 */
final class UploadSink implements BodySink {

  /** Bytes copied from a direct buffer per write into the upload. */
  static final int COPY_BYTES = 64 * 1024;

  private final OutputStream upload;
  private final Consumer<Exchange> onEnd;
  private final Runnable onAbort;
  private byte[] copy;
  private boolean done;

  /**
   * Creates a sink.
   *
   * @param upload where the bytes go (a {@code BlobUpload}; its write throws no IOException)
   * @param copy a buffer to reuse, or null
   * @param onEnd answers the request when the body is complete
   * @param onAbort releases what the route holds when the request fails
   */
  UploadSink(OutputStream upload, byte[] copy, Consumer<Exchange> onEnd, Runnable onAbort) {
    this.upload = upload;
    this.copy = copy;
    this.onEnd = onEnd;
    this.onAbort = onAbort;
  }

  @Override
  public void write(ByteBuf content) {
    try {
      if (content.hasArray()) {
        upload.write(
            content.array(),
            content.arrayOffset() + content.readerIndex(),
            content.readableBytes());
        return;
      }
      if (copy == null) {
        copy = new byte[COPY_BYTES];
      }
      int index = content.readerIndex();
      int remaining = content.readableBytes();
      while (remaining > 0) {
        int n = Math.min(remaining, copy.length);
        content.getBytes(index, copy, 0, n);
        upload.write(copy, 0, n);
        index += n;
        remaining -= n;
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public void end(Exchange exchange) {
    done = true;
    onEnd.accept(exchange);
  }

  @Override
  public void abort() {
    if (!done) {
      done = true;
      onAbort.run();
    }
  }
}
