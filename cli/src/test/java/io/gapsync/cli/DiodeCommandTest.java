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
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code gapsync diode send|receive} and {@code serve --diode-listen}, over 127.0.0.1. */
class DiodeCommandTest {

  @TempDir Path tmp;

  private Path[] keys() throws Exception {
    SecureRandom rng = SecureRandom.getInstance("SHA1PRNG");
    rng.setSeed(11);
    return KeyFiles.write(tmp.resolve("keys/producer"), SigningKey.generate(rng));
  }

  private static int freeUdpPort() throws Exception {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void sendAndReceiveMoveAFileBitExactAndReceiveExitsWhenIdle() throws Exception {
    Path[] keys = keys();
    byte[] content = new byte[2_500_000];
    new Random(3).nextBytes(content);
    Path file = Files.write(tmp.resolve("x.gsa"), content);
    Path spool = tmp.resolve("spool");
    int port = freeUdpPort();
    CompletableFuture<CliRun> receive =
        CompletableFuture.supplyAsync(
            () ->
                CliRun.run(
                    "diode",
                    "receive",
                    "--listen",
                    "127.0.0.1:" + port,
                    "--spool",
                    spool.toString(),
                    "--trust",
                    keys[1].toString(),
                    "--exit-when-idle",
                    "PT1S"));
    Thread.sleep(500);

    CliRun send =
        CliRun.run(
            "diode",
            "send",
            "--to",
            "127.0.0.1:" + port,
            "--key",
            keys[0].toString(),
            "--rate",
            "200M",
            "--fec",
            "50:5",
            "--passes",
            "2",
            file.toString());

    assertThat(send.exitCode()).as(send.toString()).isZero();
    assertThat(send.out()).startsWith("Sent 1 file(s), 2500000 bytes, 2 pass(es) to 127.0.0.1:");
    CliRun received = receive.get(60, TimeUnit.SECONDS);
    assertThat(received.exitCode()).as(received.toString()).isZero();
    assertThat(received.out()).contains("Received " + spool.resolve("x.gsa"));
    assertThat(Files.readAllBytes(spool.resolve("x.gsa"))).isEqualTo(content);
  }

  @Test
  void badFecRateAndAddressAreUsageErrorsNamingTheValue() throws Exception {
    Path[] keys = keys();
    Path file = Files.write(tmp.resolve("y.gsa"), new byte[10]);
    String k = keys[0].toString();
    CliRun fec =
        CliRun.run(
            "diode", "send", "--to", "127.0.0.1:9", "--key", k, "--fec", "200", file.toString());
    assertThat(fec.exitCode()).isEqualTo(2);
    assertThat(fec.err()).contains("Invalid FEC '200': expected K:M");
    CliRun big =
        CliRun.run(
            "diode", "send", "--to", "127.0.0.1:9", "--key", k, "--fec", "200:80", file.toString());
    assertThat(big.exitCode()).isEqualTo(2);
    assertThat(big.err()).contains("K + M <= 256");
    CliRun mtu =
        CliRun.run(
            "diode", "send", "--to", "127.0.0.1:9", "--key", k, "--mtu", "100", file.toString());
    assertThat(mtu.exitCode()).isEqualTo(2);
    assertThat(mtu.err()).contains("Invalid MTU 100");
    CliRun to = CliRun.run("diode", "send", "--to", "nohost", "--key", k, file.toString());
    assertThat(to.exitCode()).isEqualTo(2);
    assertThat(to.err()).contains("'nohost' is not HOST:PORT");
    CliRun missing =
        CliRun.run(
            "diode", "send", "--to", "127.0.0.1:9", "--key", k, tmp.resolve("nope.gsa").toString());
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).contains("nope.gsa over the diode but it is not a readable");
    CliRun trust =
        CliRun.run(
            "diode",
            "receive",
            "--listen",
            "127.0.0.1:0",
            "--spool",
            tmp.resolve("s").toString(),
            "--trust",
            tmp.resolve("none.json").toString());
    assertThat(trust.exitCode()).isEqualTo(1);
    assertThat(trust.err()).contains("Tried to read the trust file").contains("no such file");
  }

  @Test
  void serveWithDiodeListenImportsAnArchiveSentOverTheDiode() throws Exception {
    Path connected = tmp.resolve("connected");
    Path site = tmp.resolve("site");
    Path spool = tmp.resolve("spool");
    Digest v1;
    try (Store c = Store.open(connected, StoreOptions.defaults(), "depot-1")) {
      v1 = SampleImages.add(c, "apps/web", "v1");
    }
    Store.open(site, StoreOptions.defaults(), "site-a").close();
    Path[] keys = keys();
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
    CommandLine cl = new CommandLine(cmd);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(new StringWriter(), true));
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
                    "--diode-listen",
                    "127.0.0.1:0",
                    "--poll-interval",
                    "PT0.1S"));
    assertThat(cmd.started.await(30, TimeUnit.SECONDS)).as(out.toString()).isTrue();

    CliRun send =
        CliRun.run(
            "diode",
            "send",
            "--to",
            "127.0.0.1:" + cmd.diodeAddress.getPort(),
            "--key",
            keys[0].toString(),
            "--rate",
            "100M",
            archive.toString());
    assertThat(send.exitCode()).as(send.toString()).isZero();

    HttpClient http = HttpClient.newHttpClient();
    URI manifest =
        URI.create("http://127.0.0.1:" + cmd.address.getPort() + "/v2/apps/web/manifests/v1");
    HttpResponse<byte[]> pulled = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      pulled = http.send(HttpRequest.newBuilder(manifest).build(), BodyHandlers.ofByteArray());
      if (pulled.statusCode() == 200) {
        break;
      }
      Thread.sleep(50);
    }
    cmd.stopRequested.countDown();
    assertThat(run.get(60, TimeUnit.SECONDS)).isZero();
    assertThat(pulled).isNotNull();
    assertThat(pulled.statusCode()).as(out.toString()).isEqualTo(200);
    assertThat(Digest.sha256Of(pulled.body())).isEqualTo(v1);
    assertThat(out.toString()).contains("Receiving diode transfers on udp://");
    assertThat(spool.resolve("applied").resolve(archive.getFileName())).exists();
  }
}
