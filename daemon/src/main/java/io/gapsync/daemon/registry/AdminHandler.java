package io.gapsync.daemon.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Answers the admin endpoints of the admin socket ({@code /admin/v1/...}) and passes every other
 * request on to the registry. Only the admin socket's pipeline has it. One per channel.
 *
 * <p>Statuses (bodies are JSON, {@code application/json}):
 *
 * <ul>
 *   <li>{@code GET /admin/v1/info}: 200 {@code {"pid","store","siteId"}}.
 *   <li>{@code GET /admin/v1/stats}: 200, the store's counts ({@code StoreStats}).
 *   <li>{@code POST /admin/v1/gc}: 200, the {@code GcReport}.
 *   <li>{@code POST /admin/v1/fsck}: 200, the {@code FsckReport} (problems included).
 *   <li>{@code POST /admin/v1/discard}: body one digest per line (what a failed {@code gapsync add}
 *       created); those that nothing (tag, manifest, lease) reaches are removed. 200, the {@code
 *       GcReport}; 400 DIGEST_INVALID for a bad line.
 *   <li>{@code POST /admin/v1/unpin?repository=R}: body one digest per line; R's push lease stops
 *       pinning them. 204.
 *   <li>{@code POST /admin/v1/release?repository=R}: R's push lease is released now. 204.
 *   <li>{@code POST /admin/v1/sequences/NAME}: 200 {@code {"name","value"}}, the counter's next
 *       value ({@code Store.nextSequence}).
 *   <li>{@code GET /admin/v1/meta/KEY}: 200 {@code {"key","value"}}; 404 NAME_UNKNOWN if unset.
 *       {@code PUT} (the body is the UTF-8 value) and {@code DELETE}: 204.
 * </ul>
 *
 * Errors: 404 NAME_UNKNOWN for another admin path, 405 UNSUPPORTED for another method, 400
 * UNSUPPORTED for a malformed key or value, 413 SIZE_INVALID for a body over {@link
 * #MAX_BODY_BYTES}, and the registry's mapping of store failures. The work runs on the registry's
 * one admin thread, never on an event loop (gc and fsck walk the whole store); the connection is
 * not closed as idle meanwhile.
 */
final class AdminHandler extends ChannelInboundHandlerAdapter {

  /** Path prefix of every admin endpoint. */
  static final String PREFIX = "/admin/";

  /** Largest request body of an admin endpoint (a discard list, a metadata value). */
  static final int MAX_BODY_BYTES = 1024 * 1024;

  private static final String V1 = "/admin/v1/";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Services services;
  private final Executor worker;
  private final AtomicInteger inFlight;
  private Exchange exchange;
  private ByteArrayOutputStream body;
  private boolean tooLarge;

  /**
   * @param services the shared state
   * @param worker runs the admin work, off the event loops
   * @param inFlight the requests in flight (a graceful shutdown waits for them)
   */
  AdminHandler(Services services, Executor worker, AtomicInteger inFlight) {
    this.services = services;
    this.worker = worker;
    this.inFlight = inFlight;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest req) {
      if (!OperationsHandler.pathOf(req.uri()).startsWith(PREFIX)) {
        exchange = null;
        ctx.fireChannelRead(msg);
        return;
      }
      inFlight.incrementAndGet();
      exchange = new Exchange(ctx, req, inFlight::decrementAndGet);
      body = new ByteArrayOutputStream();
      tooLarge = false;
    }
    if (exchange == null) {
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      if (msg instanceof HttpContent c) {
        append(c.content());
        if (c instanceof LastHttpContent) {
          Exchange ex = exchange;
          exchange = null;
          answer(ctx, ex, body.toByteArray());
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (exchange != null) {
      exchange.abandon();
      exchange = null;
    }
    super.channelInactive(ctx);
  }

  private void append(ByteBuf content) {
    if (tooLarge) {
      return;
    }
    if (body.size() + content.readableBytes() > MAX_BODY_BYTES) {
      tooLarge = true;
      body.reset();
      return;
    }
    byte[] piece = new byte[content.readableBytes()];
    content.getBytes(content.readerIndex(), piece);
    body.write(piece, 0, piece.length);
  }

  private void answer(ChannelHandlerContext ctx, Exchange ex, byte[] bytes) {
    HttpRequest req = ex.request();
    Supplier<Object> work;
    try {
      if (tooLarge) {
        throw new RegistryException(
            ErrorCode.SIZE_INVALID,
            HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
            "Tried to "
                + req.method()
                + " "
                + req.uri()
                + " but failed because its body is over "
                + MAX_BODY_BYTES
                + " bytes");
      }
      work = route(req, bytes);
    } catch (RuntimeException e) {
      ex.fail(Failures.toRegistry(e, req));
      return;
    }
    IdleCloser.busy(ctx.channel(), true);
    try {
      worker.execute(
          () -> {
            Object result;
            RuntimeException failure = null;
            try {
              result = work.get();
            } catch (RuntimeException e) {
              result = null;
              failure = e;
            }
            Object r = result;
            RuntimeException f = failure;
            ctx.executor().execute(() -> reply(ctx, ex, r, f));
          });
    } catch (RejectedExecutionException e) {
      IdleCloser.busy(ctx.channel(), false);
      ex.fail(
          new RegistryException(
              ErrorCode.UNSUPPORTED,
              HttpResponseStatus.SERVICE_UNAVAILABLE,
              "Tried to " + req.method() + " " + req.uri() + " but the daemon is shutting down"));
    }
  }

  private void reply(ChannelHandlerContext ctx, Exchange ex, Object result, RuntimeException f) {
    IdleCloser.busy(ctx.channel(), false);
    if (f instanceof IllegalArgumentException) {
      // The store's own checks (a metadata value over its limit): the request is at fault.
      ex.fail(
          new RegistryException(
              ErrorCode.UNSUPPORTED,
              HttpResponseStatus.BAD_REQUEST,
              String.valueOf(f.getMessage())));
    } else if (f != null) {
      ex.fail(Failures.toRegistry(f, ex.request()));
    } else if (result == null) {
      ex.send(Exchange.response(HttpResponseStatus.NO_CONTENT));
    } else {
      try {
        ex.sendJson(
            Exchange.response(HttpResponseStatus.OK),
            JSON.writeValueAsString(result),
            "application/json");
      } catch (JsonProcessingException e) {
        ex.fail(Failures.toRegistry(new IllegalStateException(e.getMessage(), e), ex.request()));
      }
    }
  }

  /** Returns the work a request asks for (run on the admin thread); throws if it is malformed. */
  private Supplier<Object> route(HttpRequest req, byte[] bytes) {
    String path = OperationsHandler.pathOf(req.uri());
    HttpMethod m = req.method();
    var store = services.store();
    String rest = path.startsWith(V1) ? path.substring(V1.length()) : null;
    if (rest == null) {
      throw notFound(req);
    }
    switch (rest) {
      case "info" -> {
        need(req, HttpMethod.GET);
        return () ->
            Map.of(
                "pid",
                ProcessHandle.current().pid(),
                "store",
                store.path().toAbsolutePath().toString(),
                "siteId",
                store.siteId());
      }
      case "stats" -> {
        need(req, HttpMethod.GET);
        return store::stats;
      }
      case "gc" -> {
        need(req, HttpMethod.POST);
        return store::gc;
      }
      case "fsck" -> {
        need(req, HttpMethod.POST);
        return () -> store.fsck();
      }
      case "discard" -> {
        need(req, HttpMethod.POST);
        List<Digest> digests = digests(req, bytes);
        return () -> store.discard(digests);
      }
      case "unpin" -> {
        need(req, HttpMethod.POST);
        String repository = repository(param(req, "repository"));
        List<Digest> digests = digests(req, bytes);
        return () -> {
          for (Digest d : digests) {
            services.leases().unpin(repository, d);
          }
          return null;
        };
      }
      case "release" -> {
        need(req, HttpMethod.POST);
        String repository = repository(param(req, "repository"));
        return () -> {
          services.leases().release(repository);
          return null;
        };
      }
      default -> {}
    }
    if (rest.startsWith("sequences/")) {
      need(req, HttpMethod.POST);
      String name = key(rest.substring("sequences/".length()));
      return () -> Map.of("name", name, "value", store.nextSequence(name));
    }
    if (rest.startsWith("meta/")) {
      String key = key(rest.substring("meta/".length()));
      if (m.equals(HttpMethod.GET)) {
        return () ->
            Map.of(
                "key",
                key,
                "value",
                store
                    .meta(key)
                    .orElseThrow(
                        () ->
                            new RegistryException(
                                ErrorCode.NAME_UNKNOWN,
                                "Tried to read metadata "
                                    + key
                                    + " but failed because the store has no such key")));
      } else if (m.equals(HttpMethod.PUT)) {
        String value = new String(bytes, StandardCharsets.UTF_8);
        return () -> {
          store.putMeta(Map.of(key, value));
          return null;
        };
      } else if (m.equals(HttpMethod.DELETE)) {
        return () -> {
          java.util.Map<String, String> remove = new java.util.HashMap<>();
          remove.put(key, null);
          store.putMeta(remove);
          return null;
        };
      }
      throw unsupported(req);
    }
    throw notFound(req);
  }

  private static void need(HttpRequest req, HttpMethod method) {
    if (!req.method().equals(method)) {
      throw unsupported(req);
    }
  }

  private static String param(HttpRequest req, String name) {
    String v = Route.parse(req.uri()).param(name);
    if (v == null || v.isEmpty()) {
      throw new RegistryException(
          ErrorCode.UNSUPPORTED,
          HttpResponseStatus.BAD_REQUEST,
          "Tried to " + req.method() + " " + req.uri() + " but it has no ?" + name + "=");
    }
    return v;
  }

  private static String repository(String name) {
    try {
      return io.gapsync.protocol.Reference.parseRepository(name);
    } catch (ProtocolException e) {
      throw new RegistryException(ErrorCode.NAME_INVALID, e.getMessage());
    }
  }

  /** Checks a metadata key or counter name (the store's grammar) before any work starts. */
  private static String key(String key) {
    String decoded = java.net.URLDecoder.decode(key, StandardCharsets.UTF_8);
    if (!decoded.matches("[A-Za-z0-9._:/-]{1,512}")) {
      throw new RegistryException(
          ErrorCode.UNSUPPORTED,
          HttpResponseStatus.BAD_REQUEST,
          "Tried to use metadata key '"
              + decoded
              + "' but failed because keys match [A-Za-z0-9._:/-]{1,512}");
    }
    return decoded;
  }

  private static List<Digest> digests(HttpRequest req, byte[] bytes) {
    List<Digest> out = new ArrayList<>();
    for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      try {
        out.add(Digest.parse(line.trim()));
      } catch (ProtocolException e) {
        throw new RegistryException(
            ErrorCode.DIGEST_INVALID,
            "Tried to " + req.method() + " " + req.uri() + " but failed because " + e.getMessage());
      }
    }
    return out;
  }

  private static RegistryException notFound(HttpRequest req) {
    return new RegistryException(
        ErrorCode.NAME_UNKNOWN,
        HttpResponseStatus.NOT_FOUND,
        "Tried to " + req.method() + " " + req.uri() + " but no admin endpoint has that path");
  }

  private static RegistryException unsupported(HttpRequest req) {
    return new RegistryException(
        ErrorCode.UNSUPPORTED,
        "Tried to "
            + req.method()
            + " "
            + req.uri()
            + " but failed because that admin endpoint has no "
            + req.method());
  }
}
