package io.gapsync.cli.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client's retry, resume and verification paths against a scripted HTTP server on 127.0.0.1
 * (what a real registry cannot be made to do on demand: 429 with Retry-After, 503, a body cut
 * short, a registry that ignores Range, a manifest that does not match its digest).
 */
class RegistryClientTest {

  private HttpServer server;
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private volatile int failStatus = 503;
  private volatile String retryAfter;
  private volatile boolean honourRange = true;
  private volatile int cutAfter = -1;
  private volatile boolean requireBasic;
  private volatile HttpServer cdn;
  private final List<String> cdnAuth = Collections.synchronizedList(new ArrayList<>());
  private byte[] blob;
  private Digest blobDigest;

  @BeforeEach
  void start() throws IOException {
    blob = new byte[300_000];
    new Random(1).nextBytes(blob);
    blobDigest = Digest.sha256Of(blob);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v2/", this::handle);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    if (cdn != null) {
      cdn.stop(0);
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      String range = ex.getRequestHeaders().getFirst("Range");
      log.add(ex.getRequestMethod() + " " + path + (range == null ? "" : " " + range));
      if (requireBasic && ex.getRequestHeaders().getFirst("Authorization") == null) {
        ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"test\"");
        ex.sendResponseHeaders(401, -1);
        return;
      }
      if (cdn != null && path.startsWith("/v2/lib/app/blobs/")) {
        ex.getResponseHeaders()
            .add("Location", "http://127.0.0.1:" + cdn.getAddress().getPort() + "/signed?x=1");
        ex.sendResponseHeaders(307, -1);
        return;
      }
      if (failuresLeft.getAndDecrement() > 0) {
        if (retryAfter != null) {
          ex.getResponseHeaders().add("Retry-After", retryAfter);
        }
        ex.sendResponseHeaders(failStatus, -1);
        return;
      }
      if (path.equals("/v2/lib/app/manifests/bad")) {
        byte[] m = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", MediaTypes.OCI_MANIFEST);
        ex.getResponseHeaders().add("Docker-Content-Digest", Digest.sha256Of("other").toString());
        ex.sendResponseHeaders(200, m.length);
        ex.getResponseBody().write(m);
        return;
      }
      if (path.equals("/v2/lib/app/blobs/" + blobDigest)) {
        int from = 0;
        if (honourRange && range != null) {
          from = Integer.parseInt(range.replaceAll("bytes=([0-9]+)-", "$1"));
          ex.getResponseHeaders()
              .add("Content-Range", "bytes " + from + "-" + (blob.length - 1) + "/" + blob.length);
          ex.sendResponseHeaders(206, blob.length - from);
        } else {
          ex.sendResponseHeaders(200, blob.length);
        }
        OutputStream out = ex.getResponseBody();
        int end = blob.length;
        if (cutAfter >= 0) {
          end = Math.min(end, from + cutAfter);
          cutAfter = -1;
          out.write(blob, from, end - from);
          out.flush();
          // Cut the response short: the client sees the body end before Content-Length.
          throw new IOException("cut");
        }
        out.write(blob, from, end - from);
        return;
      }
      ex.sendResponseHeaders(404, -1);
    }
  }

  private RegistryClient client(int attempts) throws RegistryException {
    return new RegistryClient(
        RegistryOptions.defaults()
            .withInsecure(true)
            .withRetries(attempts, Duration.ofMillis(10), Duration.ofSeconds(5)));
  }

  private RegistryRef ref(String tagOrNull) {
    return RegistryRef.parse(
        "docker://127.0.0.1:"
            + server.getAddress().getPort()
            + "/lib/app"
            + (tagOrNull == null ? "" : ":" + tagOrNull));
  }

  private byte[] readBlob(RegistryClient c) throws IOException {
    try (InputStream in =
        c.openBlob(ref(null), Descriptor.of(MediaTypes.OCI_LAYER_GZIP, blobDigest, blob.length))) {
      return in.readAllBytes();
    }
  }

  @Test
  void retriesServerErrorsAndHonoursRetryAfter() throws Exception {
    failuresLeft.set(2);
    failStatus = 429;
    retryAfter = "1";
    long start = System.nanoTime();

    byte[] got = readBlob(client(3));

    assertThat(got).isEqualTo(blob);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    assertThat(log.stream().filter(l -> l.startsWith("GET /v2/lib/app/blobs/")).count())
        .isEqualTo(3);
  }

  @Test
  void givesUpAfterTheAttemptLimitWithWhatWasTried() throws Exception {
    failuresLeft.set(10);
    failStatus = 503;

    assertThatThrownBy(() -> readBlob(client(3)))
        .isInstanceOf(RegistryException.class)
        .satisfies(
            e ->
                assertThat(((RegistryException) e).code())
                    .isEqualTo(RegistryException.Code.UNAVAILABLE))
        .hasMessageContaining("Tried to GET 127.0.0.1:")
        .hasMessageContaining("/v2/lib/app/blobs/" + blobDigest)
        .hasMessageContaining("answered 503 on every one of 3 attempts");
  }

  @Test
  void aBodyCutShortResumesWithRangeFromTheLastByte() throws Exception {
    cutAfter = 100_000;

    byte[] got = readBlob(client(3));

    assertThat(got).isEqualTo(blob);
    assertThat(log).anyMatch(l -> l.endsWith("bytes=100000-"));
  }

  @Test
  void aRegistryIgnoringRangeIsSkippedToTheResumePoint() throws Exception {
    cutAfter = 50_000;
    honourRange = false;

    byte[] got = readBlob(client(3));

    assertThat(got).isEqualTo(blob);
    assertThat(log).anyMatch(l -> l.endsWith("bytes=50000-"));
  }

  @Test
  void aBlobRedirectIsFollowedWithoutTheRegistryCredentials() throws Exception {
    requireBasic = true;
    cdn = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    cdn.createContext(
        "/signed",
        ex -> {
          try (ex) {
            cdnAuth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            ex.sendResponseHeaders(200, blob.length);
            ex.getResponseBody().write(blob);
          }
        });
    cdn.start();
    RegistryClient c =
        new RegistryClient(
            RegistryOptions.defaults()
                .withInsecure(true)
                .withCredentials(
                    Credentials.of(
                        java.util.Map.of(
                            "127.0.0.1:" + server.getAddress().getPort(),
                            new Credentials.Login("u", "p")))));

    byte[] got = readBlob(c);

    assertThat(got).isEqualTo(blob);
    assertThat(cdnAuth).containsExactly("null");
    assertThat(log).anyMatch(l -> l.startsWith("GET /v2/lib/app/blobs/"));
  }

  @Test
  void aManifestNotMatchingItsDigestIsRefused() {
    assertThatThrownBy(() -> client(1).manifest(ref("bad")))
        .isInstanceOf(RegistryException.class)
        .satisfies(
            e ->
                assertThat(((RegistryException) e).code())
                    .isEqualTo(RegistryException.Code.DIGEST_MISMATCH))
        .hasMessageContaining("hash to " + Digest.sha256Of("{\"schemaVersion\":2}"))
        .hasMessageContaining("nothing was stored");
  }

  @Test
  void aMissingTagIsNotFoundWithoutRetries() {
    assertThatThrownBy(() -> client(5).manifest(ref("nope")))
        .isInstanceOf(RegistryException.class)
        .satisfies(
            e ->
                assertThat(((RegistryException) e).code())
                    .isEqualTo(RegistryException.Code.NOT_FOUND))
        .hasMessageContaining("404");
    assertThat(log.stream().filter(l -> l.contains("/manifests/nope")).count()).isEqualTo(1);
  }

  @Test
  void challengeParsingHandlesQuotedCommas() {
    Challenge c =
        Challenge.parse(
            "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                + "scope=\"repository:library/busybox:pull,push\"");

    assertThat(c.scheme()).isEqualTo("bearer");
    assertThat(c.params())
        .containsEntry("realm", "https://auth.docker.io/token")
        .containsEntry("scope", "repository:library/busybox:pull,push");
  }

  @Test
  void referencesNormalizeLikeDocker() {
    assertThat(RegistryRef.parse("docker://busybox").toString())
        .isEqualTo("docker://docker.io/library/busybox");
    assertThat(RegistryRef.parse("docker://busybox").apiHost()).isEqualTo("registry-1.docker.io");
    assertThat(RegistryRef.parse("docker://localhost:5000/a/b:1").host())
        .isEqualTo("localhost:5000");
    assertThatThrownBy(() -> RegistryRef.parse("docker://quay.io/Org/x"))
        .hasMessageContaining("lowercase");
    RegistryOptions.Rewrite rule = new RegistryOptions.Rewrite("docker.io", "mirror.lab:5000/hub");
    assertThat(rule.apply(RegistryRef.parse("docker://busybox:1")).toString())
        .isEqualTo("docker://mirror.lab:5000/hub/library/busybox:1");
    assertThat(rule.apply(RegistryRef.parse("docker://quay.io/a/b:1"))).isNull();
  }
}
