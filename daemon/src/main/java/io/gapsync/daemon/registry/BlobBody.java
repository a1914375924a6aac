package io.gapsync.daemon.registry;

import io.gapsync.protocol.Digest;
import io.gapsync.store.BlobFileRegion;
import io.gapsync.store.Store;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedNioFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Optional;

/**
 * A blob's body. {@link #send} picks how: a blob the store keeps in a file ({@code
 * Store.openBlobFile}, blobs of 256 KiB and more by default) goes as a {@code DefaultFileRegion}:
 * the kernel copies it from the page cache to the socket (sendfile), no copy in user space; under
 * TLS, where bytes must pass through the engine, as a {@code ChunkedNioFile} of {@link
 * #PIECE_BYTES} pieces. A Range GET sends the range as the region.
 *
 * <p>A blob in chunk rows (small blobs, stores written before blob files) is this {@code
 * ChunkedInput} for the pipeline's {@code ChunkedWriteHandler}: each piece is one store chunk (1
 * MiB by default) read by RocksDB straight into a pooled direct buffer ({@code
 * Store.openBlobChannel}), which goes to the socket as it is. One copy in user space per byte
 * instead of three (RocksDB into a heap array, into a 64 KiB array, into a direct buffer).
 *
 * <p>Pieces come from Netty's pooled allocator, not the channel's: the adaptive allocator (Netty
 * 4.2's default) serves buffers this large outside its pools, a fresh direct buffer per piece. The
 * channel's write-buffer water marks stop reading while a piece is still queued, so a connection
 * holds about one piece whatever the blob's size.
 */
final class BlobBody implements ChunkedInput<ByteBuf> {

  /** Bytes per piece: the store's default chunk, so that each piece is one RocksDB read. */
  static final int PIECE_BYTES = 1024 * 1024;

  private static final ByteBufAllocator PIECES = PooledByteBufAllocator.DEFAULT;

  private final ReadableByteChannel in;
  private final long first;
  private final long length;
  private final String what;
  private long progress;

  /**
   * @param in the blob's bytes, closed with this body
   * @param first the offset in the blob {@code in} starts at: the first piece ends at a chunk's
   *     end, so that the others are whole chunks
   * @param length the bytes to send: exactly what {@code in} holds
   * @param what the blob, for errors
   */
  BlobBody(ReadableByteChannel in, long first, long length, String what) {
    this.in = in;
    this.first = first;
    this.length = length;
    this.what = what;
  }

  /**
   * Sends a blob's bytes {@code first} to {@code first + length - 1} after the head (whose headers
   * the caller set, Content-Length included).
   *
   * @throws io.gapsync.store.StoreException BLOB_UNKNOWN if gc removed the blob since its size was
   *     read, CORRUPT if its file is missing (nothing is sent then)
   */
  static void send(
      Exchange ex, HttpResponse head, Store store, Digest digest, long first, long length) {
    Optional<BlobFileRegion> file = store.openBlobFile(digest, first, length);
    if (file.isPresent()) {
      BlobFileRegion r = file.get();
      if (!ex.encrypted()) {
        ex.stream(head, new DefaultFileRegion(r.channel(), r.position(), r.count()));
        return;
      }
      ChunkedNioFile pieces;
      try {
        pieces = new ChunkedNioFile(r.channel(), r.position(), r.count(), PIECE_BYTES);
      } catch (IOException e) {
        closeQuietly(r.channel());
        throw new UncheckedIOException(
            "Tried to send " + digest + " from its file but failed because " + e, e);
      }
      ex.stream(head, new HttpChunkedInput(pieces));
      return;
    }
    ReadableByteChannel in = store.openBlobChannel(digest, first, length);
    ex.stream(head, new HttpChunkedInput(new BlobBody(in, first, length, "blob " + digest)));
  }

  private static void closeQuietly(java.nio.channels.Channel c) {
    try {
      c.close();
    } catch (IOException e) {
      // Nothing was sent from it; the original failure is what matters.
    }
  }

  @Override
  public boolean isEndOfInput() {
    return progress >= length;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  @Deprecated
  @Override
  public ByteBuf readChunk(ChannelHandlerContext ctx) throws Exception {
    return readChunk(ctx.alloc());
  }

  @Override
  public ByteBuf readChunk(ByteBufAllocator allocator) throws Exception {
    if (isEndOfInput()) {
      return null;
    }
    long toChunkEnd = PIECE_BYTES - (first + progress) % PIECE_BYTES;
    int size = (int) Math.min(toChunkEnd, length - progress);
    ByteBuf piece = PIECES.directBuffer(size, size);
    boolean done = false;
    try {
      ByteBuffer target = piece.nioBuffer(0, size);
      while (target.hasRemaining()) {
        if (in.read(target) < 0) {
          throw new IOException(
              "Tried to send "
                  + length
                  + " bytes of "
                  + what
                  + " but failed because the store gave only "
                  + (progress + target.position())
                  + ": the store is damaged, run gapsync fsck");
        }
      }
      piece.writerIndex(size);
      progress += size;
      done = true;
      return piece;
    } finally {
      if (!done) {
        piece.release();
      }
    }
  }

  @Override
  public long length() {
    return length;
  }

  @Override
  public long progress() {
    return progress;
  }
}
