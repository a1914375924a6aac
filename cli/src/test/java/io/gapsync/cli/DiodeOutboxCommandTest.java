package io.gapsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.trust.KeyFiles;
import io.gapsync.protocol.trust.SigningKey;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The connected side sending its outbox by itself: {@code serve --diode-send-to HOST:PORT --outbox
 * DIR} and {@code diode send --watch DIR}, over 127.0.0.1 into a real receiver.
 */
class DiodeOutboxCommandTest {

  @TempDir Path tmp;

  /** Stops every daemon a test started, also when it fails. */
  private final List<Runnable> stops = new ArrayList<>();

  private final List<CompletableFuture<Integer>> runs = new ArrayList<>();

  @AfterEach
  void stopAll() throws Exception {
    stops.forEach(Runnable::run);
    for (CompletableFuture<Integer> r : runs) {
      r.get(60, TimeUnit.SECONDS);
    }
  }

  private Path[] keys() throws Exception {
    SecureRandom rng = SecureRandom.getInstance("SHA1PRNG");
    rng.setSeed(13);
    return KeyFiles.write(tmp.resolve("keys/producer"), SigningKey.generate(rng));
  }

  private static int freeUdpPort() throws Exception {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static CommandLine commandLine(Object cmd, StringWriter out, StringWriter err) {
    CommandLine cl = new CommandLine(cmd);
    cl.setExecutionExceptionHandler(new GapsyncCli.ShortErrors());
    cl.setParameterExceptionHandler(new GapsyncCli.ShortUsage());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl;
  }

  /** Starts {@code serve ARGS} in-process; returns it once it serves. */
  private ServeCommand serve(StringWriter out, String... args) throws Exception {
    ServeCommand cmd = new ServeCommand();
    cmd.installShutdownHook = false;
    cmd.clock = ArchiveCommandsTest.CLOCK;
    CommandLine cl = commandLine(cmd, out, new StringWriter());
    runs.add(CompletableFuture.supplyAsync(() -> cl.execute(args)));
    stops.add(cmd.stopRequested::countDown);
    assertThat(cmd.started.await(30, TimeUnit.SECONDS)).as(out.toString()).isTrue();
    return cmd;
  }

  private static HttpResponse<String> get(URI uri) throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(uri).build(), BodyHandlers.ofString());
  }

  @Test
  void serveSendsEachNewExportToTheOfflineSiteWhichImportsIt() throws Exception {
    Path connected = tmp.resolve("connected");
    Path site = tmp.resolve("site");
    Path outbox = tmp.resolve("export-outbox");
    Digest v1;
    try (Store c = Store.open(connected, StoreOptions.defaults(), "depot-1")) {
      v1 = SampleImages.add(c, "apps/web", "v1");
    }
    Store.open(site, StoreOptions.defaults(), "site-a").close();
    Path[] keys = keys();
    Path inv = ArchiveCli.inventory(site, tmp.resolve("inv.json"), ArchiveCommandsTest.CLOCK);
    StringWriter offlineOut = new StringWriter();
    ServeCommand offline =
        serve(
            offlineOut,
            "--store",
            site.toString(),
            "--listen",
            "127.0.0.1:0",
            "--read-only",
            "--spool",
            tmp.resolve("spool").toString(),
            "--trust",
            keys[1].toString(),
            "--diode-listen",
            "127.0.0.1:0",
            "--poll-interval",
            "PT0.1S");
    StringWriter connectedOut = new StringWriter();
    ServeCommand sender =
        serve(
            connectedOut,
            "--store",
            connected.toString(),
            "--listen",
            "127.0.0.1:0",
            "--diode-send-to",
            "127.0.0.1:" + offline.diodeAddress.getPort(),
            "--outbox",
            outbox.toString(),
            "--diode-key",
            keys[0].toString(),
            "--rate",
            "100M",
            "--passes",
            "2");

    // The scheduled export, while the connected daemon holds its store.
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
            "--outbox",
            outbox.toString());
    assertThat(export.exitCode()).as(export.toString()).isZero();

    URI manifest =
        URI.create("http://127.0.0.1:" + offline.address.getPort() + "/v2/apps/web/manifests/v1");
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest request = HttpRequest.newBuilder(manifest).build();
    HttpResponse<byte[]> pulled = http.send(request, BodyHandlers.ofByteArray());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (pulled.statusCode() != 200 && System.nanoTime() < deadline) {
      Thread.sleep(50);
      pulled = http.send(request, BodyHandlers.ofByteArray());
    }
    assertThat(pulled.statusCode()).as(offlineOut.toString()).isEqualTo(200);
    assertThat(Digest.sha256Of(pulled.body())).isEqualTo(v1);
    String name = "gapsync-depot-1-000001.gsa";
    assertThat(tmp.resolve("spool/applied").resolve(name)).exists();
    // The site completes the archive from the first pass; the sender records it after its second.
    Path sent = outbox.resolve(".diode-sent").resolve(name + ".sent");
    while (!Files.exists(sent) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(sent).exists();
    assertThat(connectedOut.toString())
        .contains("Sending every new archive of " + outbox + " to udp://127.0.0.1:");
    String metrics =
        get(URI.create("http://127.0.0.1:" + sender.address.getPort() + "/metrics")).body();
    assertThat(metrics)
        .contains("gapsync_diode_outbox_archives_sent_total 1\n")
        .contains("gapsync_diode_outbox_passes_total 2\n")
        .contains("gapsync_diode_outbox_queue 0\n")
        .contains("gapsync_diode_outbox_archive_bytes_total " + Files.size(outbox.resolve(name)));
  }

  @Test
  void diodeSendWatchSendsArchivesDroppedIntoTheFolderUntilStopped() throws Exception {
    Path[] keys = keys();
    Path outbox = Files.createDirectories(tmp.resolve("outbox"));
    Path spool = tmp.resolve("spool");
    int port = freeUdpPort();
    DiodeReceiveCommand receive = new DiodeReceiveCommand();
    StringWriter receiveOut = new StringWriter();
    CommandLine rcl = commandLine(receive, receiveOut, new StringWriter());
    runs.add(
        CompletableFuture.supplyAsync(
            () ->
                rcl.execute(
                    "--listen",
                    "127.0.0.1:" + port,
                    "--spool",
                    spool.toString(),
                    "--trust",
                    keys[1].toString())));
    stops.add(receive.stopRequested::countDown);
    DiodeSendCommand watch = new DiodeSendCommand();
    watch.installShutdownHook = false;
    StringWriter out = new StringWriter();
    CommandLine cl = commandLine(watch, out, new StringWriter());
    CompletableFuture<Integer> run =
        CompletableFuture.supplyAsync(
            () ->
                cl.execute(
                    "--to",
                    "127.0.0.1:" + port,
                    "--key",
                    keys[0].toString(),
                    "--rate",
                    "100M",
                    "--watch",
                    outbox.toString()));
    stops.add(watch.stopRequested::countDown);
    assertThat(watch.started.await(30, TimeUnit.SECONDS)).as(out.toString()).isTrue();
    byte[] content = new byte[700_000];
    new Random(21).nextBytes(content);
    System.arraycopy(
        "GAPSYNCA".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, content, 0, 8);
    Path partial = Files.write(outbox.resolve("gapsync-depot-1-000001.gsa.partial"), content);
    Files.move(partial, outbox.resolve("gapsync-depot-1-000001.gsa"));

    Path received = spool.resolve("gapsync-depot-1-000001.gsa");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(received) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    watch.stopRequested.countDown();

    assertThat(run.get(60, TimeUnit.SECONDS)).isZero();
    assertThat(received).exists();
    assertThat(Files.readAllBytes(received)).isEqualTo(content);
    assertThat(out.toString())
        .contains("Sending every new archive of " + outbox + " to udp://127.0.0.1:" + port)
        .contains("Stopped: 1 archive(s) sent (700000 bytes), 0 repeat(s), 0 failure(s).");
  }

  @Test
  void misusedOutboxOptionsAreUsageErrorsSayingWhatIsMissing() throws Exception {
    Path[] keys = keys();
    String k = keys[0].toString();
    String store = tmp.resolve("s").toString();
    String dir = tmp.resolve("o").toString();

    CliRun noOutbox =
        CliRun.run("serve", "--store", store, "--diode-send-to", "127.0.0.1:9", "--diode-key", k);
    assertThat(noOutbox.exitCode()).isEqualTo(2);
    assertThat(noOutbox.err()).contains("--diode-send-to needs --outbox DIR");
    CliRun rateAlone = CliRun.run("serve", "--store", store, "--rate", "10M");
    assertThat(rateAlone.exitCode()).isEqualTo(2);
    assertThat(rateAlone.err()).contains("need --diode-send-to HOST:PORT");
    CliRun both =
        CliRun.run(
            "serve",
            "--store",
            store,
            "--diode-send-to",
            "127.0.0.1:9",
            "--outbox",
            dir,
            "--diode-key",
            k,
            "--spool",
            dir,
            "--trust",
            keys[1].toString());
    assertThat(both.exitCode()).isEqualTo(2);
    assertThat(both.err()).contains("do not go together: run two daemons");
    CliRun badTo =
        CliRun.run(
            "serve",
            "--store",
            store,
            "--diode-send-to",
            "nohost",
            "--outbox",
            dir,
            "--diode-key",
            k);
    assertThat(badTo.exitCode()).isEqualTo(2);
    assertThat(badTo.err()).contains("Invalid value for option '--diode-send-to': 'nohost'");
    CliRun watchAndFiles =
        CliRun.run("diode", "send", "--to", "127.0.0.1:9", "--key", k, "--watch", dir, "x.gsa");
    assertThat(watchAndFiles.exitCode()).isEqualTo(2);
    assertThat(watchAndFiles.err()).contains("Give either FILE... or --watch DIR, not both");
    CliRun nothing = CliRun.run("diode", "send", "--to", "127.0.0.1:9", "--key", k);
    assertThat(nothing.exitCode()).isEqualTo(2);
    assertThat(nothing.err()).contains("Missing FILE... or --watch DIR");
    CliRun repeat =
        CliRun.run(
            "diode", "send", "--to", "127.0.0.1:9", "--key", k, "--repeat-last", "2", "x.gsa");
    assertThat(repeat.exitCode()).isEqualTo(2);
    assertThat(repeat.err()).contains("--repeat-last and --repeat-every need --watch DIR");
    CliRun badFec =
        CliRun.run(
            "diode", "send", "--to", "127.0.0.1:9", "--key", k, "--fec", "9", "--watch", dir);
    assertThat(badFec.exitCode()).isEqualTo(2);
    assertThat(badFec.err()).contains("Invalid FEC '9': expected K:M");
  }
}
