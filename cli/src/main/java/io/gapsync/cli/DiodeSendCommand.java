package io.gapsync.cli;

import io.gapsync.daemon.diode.DiodeSender;
import io.gapsync.daemon.diode.DiodeSenderConfig;
import io.gapsync.daemon.diode.FileHashes;
import io.gapsync.daemon.diode.OutboxSender;
import io.gapsync.daemon.diode.PacketSink;
import io.gapsync.daemon.diode.PacketSinks;
import io.gapsync.daemon.diode.SendReport;
import io.gapsync.protocol.trust.KeyFiles;
import io.gapsync.protocol.trust.SigningKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gapsync diode send --to HOST:PORT --key KEY FILE...}: sends files over the diode; with
 * {@code --watch DIR} sends every archive that appears in an export outbox until stopped ({@link
 * OutboxSending}).
 */
@Command(
    name = "send",
    mixinStandardHelpOptions = true,
    description = {
      "Sends files over a data diode to a 'diode receive' (or 'serve --diode-listen'), paced",
      "to --rate, with K data + M parity Reed-Solomon symbols per block, every file --passes",
      "times. Each file's announcement is signed with --key; the receiver checks it against",
      "its --trust file and publishes a file only once its sha256 matches. No datagram is",
      "larger than the MTU minus 48 bytes, so nothing is IP-fragmented. A file's sha256",
      "comes from its archive's checksum file NAME.sha256 (written by export) when that",
      "lists it and is not older than it; otherwise the file is read once before sending.",
      "",
      "With --watch DIR it runs until SIGTERM or Ctrl-C and sends every archive",
      "that appears in DIR (export --outbox DIR): *.gsa files and split archives",
      "(their volumes, then NAME.volumes.json), once complete and unchanged for a",
      "second, in export order (producer, then sequence); *.partial and hidden",
      "files are ignored. Each archive goes out --passes times and is then",
      "recorded in DIR/.diode-sent, so a restart sends only what was not finished;",
      "an archive cut off by a stop is sent again whole and the receiver completes",
      "it from what it already has. A failed send is logged and retried after a",
      "minute; removed archives are dropped. See docs/OPERATIONS.md."
    })
final class DiodeSendCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "HOST:PORT",
      description = "The receiver's address.")
  String to;

  @Option(
      names = "--key",
      required = true,
      paramLabel = "KEY",
      description = "Private key file (PREFIX.key) that signs each file's announcement.")
  Path key;

  @Mixin DiodeSendOptions sending;

  @Option(
      names = "--watch",
      paramLabel = "DIR",
      description =
          "Instead of FILE...: run until stopped and send every archive that appears in DIR"
              + " (the export outbox), in export order, each once; what was sent is recorded in"
              + " DIR/.diode-sent, so a restart sends only what was not finished.")
  Path watch;

  @Option(
      names = "--repeat-last",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "With --watch: while nothing new waits, send the newest N archives again, one at a"
              + " time (default: ${DEFAULT-VALUE}); a one-way link can lose a whole archive.")
  int repeatLast;

  @Option(
      names = "--repeat-every",
      paramLabel = "DURATION",
      description = "With --repeat-last: the pause before each repeat: 5m (default), 30s, 1h.")
  String repeatEvery;

  /** Counted down to stop {@code --watch} (by the shutdown hook or tests). */
  final CountDownLatch stopRequested = new CountDownLatch(1);

  /** Counted down when {@code --watch} runs. */
  final CountDownLatch started = new CountDownLatch(1);

  /** The running {@code --watch} loop (tests read its status). */
  volatile OutboxSending watching;

  /** When false (tests), no JVM shutdown hook is installed. */
  boolean installShutdownHook = true;

  @Parameters(arity = "0..*", paramLabel = "FILE", description = "The files to send.")
  List<Path> files = List.of();

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (watch != null) {
      if (!files.isEmpty()) {
        throw new ParameterException(
            spec.commandLine(), "Give either FILE... or --watch DIR, not both");
      }
      return watch();
    }
    if (files.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "Missing FILE... or --watch DIR");
    }
    if (repeatLast != 0 || repeatEvery != null) {
      throw new ParameterException(
          spec.commandLine(), "--repeat-last and --repeat-every need --watch DIR");
    }
    DiodeSenderConfig config = sending.config(spec);
    for (Path f : files) {
      if (!Files.isRegularFile(f)) {
        throw new CliException(
            "Tried to send " + f + " over the diode but it is not a readable regular file");
      }
    }
    // Hashing first: it runs while the key is read and the socket opened.
    FileHashes hashes = FileHashes.start(files);
    SigningKey signingKey = KeyFiles.readPrivate(key);
    PrintWriter out = spec.commandLine().getOut();
    SendReport r;
    try (PacketSink sink = PacketSinks.udp(DiodeCommand.parseAddress(spec, "--to", to))) {
      r = new DiodeSender(config, signingKey, sink).send(files, hashes);
    }
    out.println(
        String.format(
            Locale.ROOT,
            "Sent %d file(s), %d bytes, %d pass(es) to %s: %d datagrams in %.1f s, goodput %.0f"
                + " Mbit/s, FEC %s, sender epoch %08x.",
            r.objects(),
            r.bytes(),
            r.passes(),
            to,
            r.packets(),
            r.elapsed().toNanos() / 1e9,
            r.goodputBitsPerSecond() / 1e6,
            DiodeSendOptions.describe(config),
            r.epoch()));
    return 0;
  }

  /** {@code --watch}: sends the outbox until stopped. */
  private int watch() throws IOException, InterruptedException {
    OutboxSending.Setup setup =
        OutboxSending.prepare(spec, "--to", to, watch, key, sending, repeatLast, repeatEvery);
    PrintWriter out = spec.commandLine().getOut();
    CountDownLatch finished = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stopRequested.countDown();
              try {
                finished.await(OutboxSender.STOP_TIMEOUT_DEFAULT.toSeconds() + 5, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "gapsync-diode-send-shutdown");
    if (installShutdownHook) {
      Runtime.getRuntime().addShutdownHook(hook);
    }
    try {
      try (OutboxSending running = OutboxSending.start(setup)) {
        watching = running;
        out.println(OutboxSending.describe(setup) + " Stop with Ctrl-C or SIGTERM.");
        out.flush();
        started.countDown();
        stopRequested.await();
        String inFlight = running.sender().status().inFlight();
        out.println(
            "Stopping"
                + (inFlight == null
                    ? "."
                    : ": " + inFlight + " is in flight and is sent again at the next start."));
        out.flush();
      }
      // Printed before the hook is released: the JVM exits as soon as it returns.
      OutboxSender.Status st = watching.sender().status();
      out.println(
          "Stopped: "
              + st.archivesSent()
              + " archive(s) sent ("
              + st.archiveBytes()
              + " bytes), "
              + st.repeats()
              + " repeat(s), "
              + st.failures()
              + " failure(s).");
      out.flush();
    } finally {
      finished.countDown();
      if (installShutdownHook) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // The JVM is shutting down: the hook is running and waits for us.
        }
      }
    }
    return 0;
  }
}
