package io.gapsync.daemon.registry;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * Collects a manifest body up to a limit, then hands over its bytes. Manifests are the only bodies
 * the registry holds in memory, and never more than the limit (4 MiB by default): a body that grows
 * past it is refused as it arrives, not after.
 */
final class ManifestSink implements BodySink {

  private final int max;
  private final Consumer<byte[]> onComplete;
  private final LongFunction<RegistryException> tooLarge;
  private ByteArrayOutputStream buffer = new ByteArrayOutputStream();

  ManifestSink(int max, Consumer<byte[]> onComplete, LongFunction<RegistryException> tooLarge) {
    this.max = max;
    this.onComplete = onComplete;
    this.tooLarge = tooLarge;
  }

  @Override
  public void write(ByteBuf content) {
    int n = content.readableBytes();
    if ((long) buffer.size() + n > max) {
      throw tooLarge.apply(-1);
    }
    try {
      content.getBytes(content.readerIndex(), buffer, n);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public void end(Exchange exchange) {
    byte[] bytes = buffer.toByteArray();
    buffer = new ByteArrayOutputStream();
    onComplete.accept(bytes);
  }

  @Override
  public void abort() {
    buffer = new ByteArrayOutputStream();
  }
}
