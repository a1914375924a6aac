package io.gapsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.trust.KeyFiles;
import io.gapsync.protocol.trust.SigningKey;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code gapsync serve --read-only --spool DIR --trust FILE}: the registry refuses writes from HTTP
 * while the spool's archives are applied to the store, and become pullable.
 */
class ServeCommandSpoolTest {

  /** Longest the test waits for the daemon to apply an archive. */
  private static final long WAIT_MILLIS = 20_000;

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
  void spoolWithoutTrustIsAUsageError() {
    StringWriter err = new StringWriter();
    ServeCommand cmd = new ServeCommand();
    cmd.installShutdownHook = false;
    int code =
        commandLine(cmd, new StringWriter(), err)
            .execute(
                "--store",
                tmp.resolve("s").toString(),
                "--read-only",
                "--spool",
                tmp.resolve("spool").toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--spool needs --trust FILE");
  }

  @Test
  void archiveDroppedIntoTheSpoolBecomesPullableWhileHttpWritesAreRefused() throws Exception {
    Path connected = tmp.resolve("connected");
    Path site = tmp.resolve("site");
    Path spool = tmp.resolve("spool");
    Digest v1;
    try (Store c = Store.open(connected, StoreOptions.defaults(), "depot-1")) {
      v1 = SampleImages.add(c, "apps/web", "v1");
    }
    Store.open(site, StoreOptions.defaults(), "site-a").close();
    SecureRandom rng = SecureRandom.getInstance("SHA1PRNG");
    rng.setSeed(7);
    Path[] keys = KeyFiles.write(tmp.resolve("keys/producer"), SigningKey.generate(rng));
    Path inv = ArchiveCli.inventory(site, tmp.resolve("inv.json"), ArchiveCommandsTest.CLOCK);
    CliRun export =
        ArchiveCli.run(
            ArchiveCommandsTest.CLOCK,
            "export",
            "--store",
            connected.toString(),
            "--against",
            inv.toString(),
            "--key",
            keys[0].toString(),
            "-o",
            tmp.resolve("out").toString());
    assertThat(export.exitCode()).as(export.toString()).isZero();
    Path archive;
    try (Stream<Path> s = Files.list(tmp.resolve("out"))) {
      archive = s.filter(p -> p.toString().endsWith(".gsa")).findFirst().orElseThrow();
    }

    ServeCommand cmd = new ServeCommand();
    cmd.installShutdownHook = false;
    cmd.clock = ArchiveCommandsTest.CLOCK;
    StringWriter out = new StringWriter();
    CommandLine cl = commandLine(cmd, out, new StringWriter());
    CompletableFuture<Integer> run =
        CompletableFuture.supplyAsync(
            () ->
                cl.execute(
                    "--store",
                    site.toString(),
                    "--listen",
                    "127.0.0.1:0",
                    "--read-only",
                    "--spool",
                    spool.toString(),
                    "--trust",
                    keys[1].toString(),
                    "--outbox",
                    tmp.resolve("outbox").toString(),
                    "--poll-interval",
                    "PT0.1S"));
    assertThat(cmd.started.await(30, TimeUnit.SECONDS)).as(out.toString()).isTrue();
    HttpClient http = HttpClient.newHttpClient();
    URI manifest =
        URI.create("http://127.0.0.1:" + cmd.address.getPort() + "/v2/apps/web/manifests/v1");

    // Copied in under a hidden name and renamed, as a careful operator (or the diode) does.
    Path hidden = spool.resolve("." + archive.getFileName());
    Files.copy(archive, hidden);
    Files.move(hidden, spool.resolve(archive.getFileName()), StandardCopyOption.ATOMIC_MOVE);

    HttpResponse<byte[]> pulled = null;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
    while (System.nanoTime() < deadline) {
      pulled = http.send(HttpRequest.newBuilder(manifest).build(), BodyHandlers.ofByteArray());
      if (pulled.statusCode() == 200) {
        break;
      }
      Thread.sleep(50);
    }
    assertThat(pulled).isNotNull();
    assertThat(pulled.statusCode()).as(out.toString()).isEqualTo(200);
    assertThat(Digest.sha256Of(pulled.body())).isEqualTo(v1);
    var delete =
        http.send(HttpRequest.newBuilder(manifest).DELETE().build(), BodyHandlers.discarding());
    assertThat(delete.statusCode()).isEqualTo(405);

    cmd.stopRequested.countDown();
    assertThat(run.get(30, TimeUnit.SECONDS)).isZero();
    assertThat(out.toString()).contains("Watching the spool").contains("(read-only)");
    assertThat(spool.resolve("applied").resolve(archive.getFileName())).exists();
    try (Stream<Path> s = Files.list(tmp.resolve("outbox"))) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .containsExactly("inventory-site-a-20261126T120000Z.json");
    }
  }
}
