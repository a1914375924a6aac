package io.gapsync.cli;

import io.gapsync.daemon.diode.DiodeReceiver;
import io.gapsync.daemon.diode.DiodeReceiverConfig;
import io.gapsync.daemon.diode.DiodeReport;
import io.gapsync.protocol.diode.Announcement;
import io.gapsync.protocol.trust.TrustPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gapsync diode receive --listen ADDR --spool DIR --trust FILE}: the diode's far end. */
@Command(
    name = "receive",
    mixinStandardHelpOptions = true,
    description = {
      "Receives files sent with 'diode send' into --spool DIR until stopped (SIGTERM, Ctrl-C)",
      "or, with --exit-when-idle, once nothing has arrived for that long. Partial files are",
      "kept in DIR/.diode-partial, so restarts of either side resume with the next pass; a",
      "file appears in DIR (atomic rename) only once its sha256 matches its signed",
      "announcement. A file the sender finished that is beyond repair is reported on",
      "standard error and in DIR/diode-reports/NAME.report.txt. Exit code with",
      "--exit-when-idle: 0 if nothing was reported beyond repair, 1 otherwise."
    })
final class DiodeReceiveCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--listen",
      required = true,
      paramLabel = "HOST:PORT",
      description = "The UDP address to receive on (e.g. 0.0.0.0:7700).")
  String listen;

  @Option(
      names = "--spool",
      required = true,
      paramLabel = "DIR",
      description = "Where received files appear (the import daemon's spool).")
  Path spool;

  @Option(
      names = "--trust",
      required = true,
      paramLabel = "FILE",
      description = "Trust file (producer keys, threshold) or a producer's .pub, as for import.")
  Path trustFile;

  @Option(
      names = "--exit-when-idle",
      paramLabel = "DURATION",
      description = "Exit once nothing has arrived for DURATION (after the first datagram).")
  String idle;

  /** Counted down to stop (by the shutdown hook or tests). */
  final CountDownLatch stopRequested = new CountDownLatch(1);

  @Override
  public Integer call() throws IOException, InterruptedException {
    Duration idleExit = idle == null ? null : ArchiveOptions.parseDuration(idle);
    TrustPolicy trust = loadTrust(trustFile);
    Files.createDirectories(spool);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    AtomicInteger failures = new AtomicInteger();
    DiodeReceiver.Listener listener = printer(out, err, failures);
    CountDownLatch finished = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stopRequested.countDown();
              try {
                finished.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "gapsync-diode-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      DiodeReceiver r =
          DiodeReceiver.start(
              DiodeReceiverConfig.defaults(
                  DiodeCommand.parseAddress(spec, "--listen", listen), spool),
              trust,
              listener);
      try {
        out.println("Receiving on udp://" + listen + " into " + spool + "; stop with Ctrl-C.");
        out.flush();
        while (!stopRequested.await(200, TimeUnit.MILLISECONDS)) {
          long last = r.stats().lastDatagramNanos();
          if (idleExit != null && last != 0 && System.nanoTime() - last > idleExit.toNanos()) {
            break;
          }
        }
      } finally {
        r.close();
      }
      out.println("Stopped: " + r.stats());
      out.flush();
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is shutting down: the hook is running and waits for us.
      }
    }
    return failures.get() == 0 ? 0 : 1;
  }

  /** Loads the trust file with the import command's one-line error when it is missing. */
  static TrustPolicy loadTrust(Path file) throws IOException {
    try {
      return TrustPolicy.load(file);
    } catch (NoSuchFileException e) {
      throw new CliException("Tried to read the trust file " + file + " but there is no such file");
    }
  }

  /** A listener printing one line per event: published to out, refusals and reports to err. */
  static DiodeReceiver.Listener printer(PrintWriter out, PrintWriter err, AtomicInteger failures) {
    return new DiodeReceiver.Listener() {
      @Override
      public void published(Path file, Announcement a) {
        synchronized (out) {
          out.println(
              "Received " + file + " (" + a.digest() + ", " + a.layout().size() + " bytes)");
          out.flush();
        }
      }

      @Override
      public void beyondRepair(DiodeReport report) {
        failures.incrementAndGet();
        synchronized (err) {
          err.print(report.toText());
          err.flush();
        }
      }

      @Override
      public void rejected(String message) {
        synchronized (err) {
          err.println(message);
          err.flush();
        }
      }
    };
  }
}
