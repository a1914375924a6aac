package io.gapsync.daemon.registry;

import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A registry handler on an {@link EmbeddedChannel} over a real store in a temporary folder: tests
 * write HTTP request objects and read back whole replies. Closing it finishes the channel with
 * {@code finishAndReleaseAll()} and closes the store.
 */
final class Channels implements AutoCloseable {

  /** Small chunks and no fsync keep tests fast. */
  static final StoreOptions OPTIONS =
      StoreOptions.defaults().withSyncWrites(false).withChunkSizeBytes(4096);

  /** A reply, its body copied out and the buffers released. */
  record Reply(int status, HttpHeaders headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String header(CharSequence name) {
      return headers.get(name);
    }
  }

  final Store store;
  final TestClock clock = new TestClock();
  final Services services;
  final AtomicInteger inFlight = new AtomicInteger();
  EmbeddedChannel channel;

  Channels(Path dir, RegistryConfig config) {
    this.store = Store.open(dir, OPTIONS, "site-test");
    this.services = Services.create(store, config, clock);
    this.channel = newChannel();
  }

  Channels(Path dir) {
    this(dir, RegistryConfig.defaults());
  }

  /** A channel with the HTTP-object handlers (no codec): chunked writer and the registry. */
  EmbeddedChannel newChannel() {
    return new EmbeddedChannel(new ChunkedWriteHandler(), new RegistryHandler(services, inFlight));
  }

  /**
   * A channel that also has the request observer (request ids, metrics) and the operations
   * endpoints in front of the registry, as the initializer composes them (no codec).
   */
  EmbeddedChannel observedChannel() {
    return new EmbeddedChannel(
        new RequestObserver(services.metrics(), services.requestIds()),
        new io.netty.handler.codec.http.HttpServerExpectContinueHandler(),
        new ChunkedWriteHandler(),
        new OperationsHandler(services, inFlight),
        new RegistryHandler(services, inFlight));
  }

  Reply get(String uri, String... headers) {
    return send(HttpMethod.GET, uri, null, headers);
  }

  Reply head(String uri, String... headers) {
    return send(HttpMethod.HEAD, uri, null, headers);
  }

  /** Sends a whole request; headers are name, value pairs. */
  Reply send(HttpMethod method, String uri, byte[] body, String... headers) {
    FullHttpRequest req =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            method,
            uri,
            body == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
    HttpUtil.setContentLength(req, body == null ? 0 : body.length);
    for (int i = 0; i < headers.length; i += 2) {
      req.headers().set(headers[i], headers[i + 1]);
    }
    channel.writeInbound(req);
    return reply();
  }

  /** Sends a request head announcing a streamed body; follow with {@link #content}. */
  void begin(HttpMethod method, String uri, String... headers) {
    HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri);
    HttpUtil.setTransferEncodingChunked(req, true);
    for (int i = 0; i < headers.length; i += 2) {
      req.headers().set(headers[i], headers[i + 1]);
    }
    channel.writeInbound(req);
  }

  /** Sends one piece of a streamed body. */
  void content(byte[] piece, boolean last) {
    HttpContent c =
        last
            ? new DefaultLastHttpContent(Unpooled.wrappedBuffer(piece))
            : new DefaultHttpContent(Unpooled.wrappedBuffer(piece));
    channel.writeInbound(c);
  }

  /** Returns true if a reply is waiting. */
  boolean hasReply() {
    channel.runPendingTasks();
    return channel.outboundMessages().peek() != null;
  }

  /** Reads the next whole reply from the outbound side. */
  Reply reply() {
    channel.runPendingTasks();
    channel.flushOutbound();
    Object first = channel.readOutbound();
    if (first == null) {
      throw new AssertionError("no reply");
    }
    HttpResponse head = (HttpResponse) first;
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    Object msg = first;
    try {
      while (true) {
        if (msg instanceof HttpContent c) {
          ByteBuf b = c.content();
          byte[] copy = new byte[b.readableBytes()];
          b.getBytes(b.readerIndex(), copy);
          body.writeBytes(copy);
        }
        if (msg instanceof FileRegion f) {
          // A blob sent with sendfile: copy the region as the socket would.
          try {
            var sink = java.nio.channels.Channels.newChannel(body);
            while (f.transferred() < f.count()) {
              f.transferTo(sink, f.transferred());
            }
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
        boolean last = msg instanceof LastHttpContent;
        if (msg != first) {
          ReferenceCountUtil.release(msg);
        }
        if (last) {
          break;
        }
        channel.runPendingTasks();
        msg = channel.readOutbound();
        if (msg == null) {
          throw new AssertionError("reply without its last content");
        }
      }
      return new Reply(head.status().code(), head.headers().copy(), body.toByteArray());
    } finally {
      ReferenceCountUtil.release(first);
    }
  }

  /** Pushes a blob monolithically; returns the reply. */
  Reply pushBlob(String repo, byte[] content) {
    return send(
        HttpMethod.POST,
        "/v2/" + repo + "/blobs/uploads/?digest=" + io.gapsync.protocol.Digest.sha256Of(content),
        content,
        HttpHeaderNames.CONTENT_TYPE.toString(),
        "application/octet-stream");
  }

  /** Puts a manifest under a tag or digest; returns the reply. */
  Reply putManifest(String repo, String ref, byte[] manifest) {
    return send(
        HttpMethod.PUT,
        "/v2/" + repo + "/manifests/" + ref,
        manifest,
        HttpHeaderNames.CONTENT_TYPE.toString(),
        io.gapsync.protocol.MediaTypes.OCI_MANIFEST);
  }

  @Override
  public void close() {
    try {
      channel.finishAndReleaseAll();
    } finally {
      services.close();
      store.close();
    }
  }
}
