package io.gapsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code gapsync serve}: options, and a start, a request and a graceful stop in-process. */
class ServeCommandTest {

  @TempDir Path tmp;

  private static CommandLine commandLine(ServeCommand cmd, StringWriter out, StringWriter err) {
    CommandLine cl = new CommandLine(cmd);
    cl.setExecutionExceptionHandler(new GapsyncCli.ShortErrors());
    cl.setParameterExceptionHandler(new GapsyncCli.ShortUsage());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl;
  }

  @Test
  void helpDescribesListenAndReadOnly() {
    StringWriter out = new StringWriter();
    int code = commandLine(new ServeCommand(), out, new StringWriter()).execute("--help");
    assertThat(code).isZero();
    assertThat(out.toString()).contains("--listen=HOST:PORT").contains("--read-only");
  }

  @Test
  void helpDescribesTheLimitsAndTimeouts() {
    StringWriter out = new StringWriter();
    commandLine(new ServeCommand(), out, new StringWriter()).execute("--help");
    assertThat(out.toString())
        .contains("--idle-timeout=DURATION")
        .contains("--header-timeout=DURATION")
        .contains("--request-timeout=DURATION")
        .contains("--max-upload-sessions=N")
        .contains("--upload-session-timeout=DURATION")
        .contains("--max-header-bytes=BYTES");
  }

  @Test
  void limitOptionsReachTheRegistryConfigAndAbsentOnesKeepTheDefaults() {
    ServeCommand cmd = new ServeCommand();
    new CommandLine(cmd)
        .parseArgs(
            "--header-timeout",
            "5s",
            "--request-timeout",
            "PT0.5S",
            "--max-upload-sessions",
            "3",
            "--upload-session-timeout",
            "20s");
    var c = cmd.limits.apply(io.gapsync.daemon.registry.RegistryConfig.defaults());
    assertThat(c.headerTimeout()).isEqualTo(java.time.Duration.ofSeconds(5));
    assertThat(c.requestTimeout()).isEqualTo(java.time.Duration.ofMillis(500));
    assertThat(c.maxUploadSessions()).isEqualTo(3);
    assertThat(c.uploadSessionTimeout()).isEqualTo(java.time.Duration.ofSeconds(20));
    assertThat(c.sweepInterval()).isEqualTo(java.time.Duration.ofSeconds(5));
    assertThat(c.idleTimeout())
        .isEqualTo(io.gapsync.daemon.registry.RegistryConfig.IDLE_TIMEOUT_DEFAULT);
  }

  @Test
  void malformedLimitIsAOneLineError() {
    StringWriter err = new StringWriter();
    ServeCommand cmd = new ServeCommand();
    cmd.installShutdownHook = false;
    int code =
        commandLine(cmd, new StringWriter(), err)
            .execute("--store", tmp.resolve("s").toString(), "--request-timeout", "soon");
    assertThat(code).isNotZero();
    assertThat(err.toString()).contains("Tried to read the duration 'soon'");
  }

  @Test
  void malformedListenIsAUsageError() {
    StringWriter err = new StringWriter();
    ServeCommand cmd = new ServeCommand();
    cmd.installShutdownHook = false;
    int code =
        commandLine(cmd, new StringWriter(), err)
            .execute("--store", tmp.resolve("s").toString(), "--listen", "localhost");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("'localhost' is not HOST:PORT");
  }

  @Test
  void servesUntilStoppedThenClosesTheStore() throws Exception {
    ServeCommand cmd = new ServeCommand();
    cmd.installShutdownHook = false;
    StringWriter out = new StringWriter();
    Path store = tmp.resolve("store");
    CommandLine cl = commandLine(cmd, out, new StringWriter());
    CompletableFuture<Integer> run =
        CompletableFuture.supplyAsync(
            () -> cl.execute("--store", store.toString(), "--listen", "127.0.0.1:0"));
    assertThat(cmd.started.await(30, TimeUnit.SECONDS)).as(out.toString()).isTrue();

    HttpClient http = HttpClient.newHttpClient();
    URI base = URI.create("http://127.0.0.1:" + cmd.address.getPort());
    var ping =
        http.send(HttpRequest.newBuilder(base.resolve("/v2/")).build(), BodyHandlers.ofString());
    assertThat(ping.statusCode()).isEqualTo(200);
    byte[] blob = "hello".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    var push =
        http.send(
            HttpRequest.newBuilder(
                    base.resolve("/v2/a/blobs/uploads/?digest=" + Digest.sha256Of(blob)))
                .POST(HttpRequest.BodyPublishers.ofByteArray(blob))
                .build(),
            BodyHandlers.ofString());
    assertThat(push.statusCode()).isEqualTo(201);

    cmd.stopRequested.countDown();
    assertThat(run.get(30, TimeUnit.SECONDS)).isZero();
    assertThat(out.toString()).contains("Serving").contains("Stopping");
    // The store was closed: it opens again read-write and holds the blob.
    try (var s = io.gapsync.store.Store.open(store, io.gapsync.store.StoreOptions.defaults())) {
      assertThat(s.hasBlob(Digest.sha256Of(blob))).isTrue();
    }
  }
}
