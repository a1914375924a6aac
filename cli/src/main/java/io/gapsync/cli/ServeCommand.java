package io.gapsync.cli;

import io.gapsync.daemon.diode.DiodeReceiver;
import io.gapsync.daemon.diode.DiodeReceiverConfig;
import io.gapsync.daemon.registry.Registry;
import io.gapsync.daemon.registry.RegistryConfig;
import io.gapsync.daemon.spool.SpoolImporter;
import io.gapsync.protocol.trust.KeyFiles;
import io.gapsync.protocol.trust.SigningKey;
import io.gapsync.protocol.trust.TrustPolicy;
import io.gapsync.store.Store;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code gapsync serve}: serves the store as an OCI Distribution registry until SIGTERM or Ctrl-C.
 *
 * <p>Shutdown is graceful: the registry stops accepting, requests in flight get {@link
 * RegistryConfig#SHUTDOWN_TIMEOUT_DEFAULT} to finish, open upload sessions are cancelled, then the
 * store is closed. The shutdown hook only asks {@link #call()} to stop and waits for it, so the
 * cleanup runs in one place whatever stops the command.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serves the store as an OCI Distribution registry (push and pull with skopeo, podman,",
      "containerd, ...) until stopped with SIGTERM or Ctrl-C. Plain HTTP: bind to loopback or",
      "put a TLS proxy in front.",
      "",
      "With --read-only every write answers 405 UNSUPPORTED. Without --spool the store is",
      "then opened read-only and served as it was when the registry started.",
      "",
      "When it holds the store read-write it also listens on the admin socket (--admin-socket,",
      "default DIR/admin.sock, mode 0600: file permissions are the access control): the",
      "registry API with writes allowed (also with --read-only) plus admin endpoints. add, rm,",
      "gc and fsck go through it while the daemon runs; ls, get and inventory open the store",
      "read-only.",
      "",
      "With --spool DIR --trust FILE (the import daemon of the offline side) the store is",
      "opened read-write, DIR is watched and every complete archive copied into it is",
      "verified and applied; it then moves to DIR/applied, DIR/quarantine (content it",
      "assumes is missing; retried after each import) or DIR/rejected, with a reason file.",
      "After each import a fresh inventory is written to --outbox, signed with --site-key.",
      "",
      "Limits (docs/REGISTRY.md): a client trickling its headers or body is answered 408",
      "and cut off (--header-timeout, --request-timeout); an idle connection is closed",
      "(--idle-timeout); upload sessions are capped (--max-upload-sessions, 429 with",
      "Retry-After) and cancelled when abandoned (--upload-session-timeout).",
      "",
      "With --diode-listen HOST:PORT (needs --spool and --trust) files sent with 'gapsync",
      "diode send' are received into the spool too, and imported like copied ones.",
      "",
      "With --diode-send-to HOST:PORT --outbox DIR --diode-key KEY (the connected",
      "side) every archive export writes into DIR is sent over the diode, in",
      "export order, each --passes times (--rate, --mtu, --fec, --interleave as",
      "for 'diode send'), and recorded in DIR/.diode-sent, so a restart sends only",
      "what was not finished; --diode-repeat-last N sends the newest N again while",
      "idle. /metrics counts archives, bytes, passes and the queue."
    })
final class ServeCommand implements Callable<Integer> {

  /** Longest the shutdown hook waits for the cleanup before the JVM exits anyway. */
  static final Duration HOOK_WAIT_DEFAULT =
      RegistryConfig.SHUTDOWN_TIMEOUT_DEFAULT.plus(Duration.ofSeconds(5));

  @Mixin StoreMixin storeOption;

  @Mixin RegistryLimitsMixin limits;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:5000",
      description = "The address to listen on (default: ${DEFAULT-VALUE}; port 0 picks one).")
  String listen;

  @Option(names = "--read-only", description = "Refuse every write (the offline side).")
  boolean readOnly;

  @Option(
      names = "--spool",
      paramLabel = "DIR",
      description = "Watch DIR and apply each complete archive copied into it (needs --trust).")
  Path spool;

  @Option(
      names = "--trust",
      paramLabel = "FILE",
      description = "With --spool: trust file (producer keys, threshold) or a producer's .pub.")
  Path trustFile;

  @Option(
      names = "--outbox",
      paramLabel = "DIR",
      description = {
        "With --spool: write a fresh inventory here after each import.",
        "With --diode-send-to: the export outbox whose archives are sent."
      })
  Path outbox;

  @Option(
      names = "--site-key",
      paramLabel = "KEY",
      description = "With --outbox: sign each inventory with this site's private key (.sig file).")
  Path siteKey;

  @Option(
      names = "--diode-listen",
      paramLabel = "HOST:PORT",
      description = "With --spool: receive 'diode send' transfers on this UDP address into it.")
  String diodeListen;

  @Option(
      names = "--diode-send-to",
      paramLabel = "HOST:PORT",
      description = "Send every new archive of --outbox DIR over the diode to this receiver.")
  String diodeSendTo;

  @Option(
      names = "--diode-key",
      paramLabel = "KEY",
      description = "With --diode-send-to: private key (PREFIX.key) signing the announcements.")
  Path diodeKey;

  @Option(
      names = "--diode-repeat-last",
      paramLabel = "N",
      description =
          "With --diode-send-to: while nothing new waits, send the newest N archives again"
              + " (default 0).")
  Integer diodeRepeatLast;

  @Option(
      names = "--diode-repeat-every",
      paramLabel = "DURATION",
      description = "With --diode-repeat-last: the pause before each repeat: 5m (default), 1h.")
  String diodeRepeatEvery;

  @Mixin DiodeSendOptions diodeSending;

  @Option(
      names = "--poll-interval",
      paramLabel = "DURATION",
      description = "With --spool: how often to look at the spool: 2s (default), 1m, PT0.5S.")
  String pollInterval;

  /** The clock the spool's imports use (expiry, records, inventories); tests replace it. */
  Clock clock = Clock.systemUTC();

  /** Counted down to stop the server (by the shutdown hook, or by tests). */
  final CountDownLatch stopRequested = new CountDownLatch(1);

  /** Counted down when the server is up; {@link #address} is then set. */
  final CountDownLatch started = new CountDownLatch(1);

  /** The address the registry listens on, once started. */
  volatile InetSocketAddress address;

  /** The admin socket's path, once started (null for a read-only store). */
  volatile Path adminSocket;

  /** The diode receiver's address, once started with {@code --diode-listen}. */
  volatile InetSocketAddress diodeAddress;

  /** The outbox loop, once started with {@code --diode-send-to}. */
  volatile OutboxSending outboxSending;

  /** When false (tests), no JVM shutdown hook is installed. */
  boolean installShutdownHook = true;

  @Override
  public Integer call() throws InterruptedException, IOException {
    InetSocketAddress bind = HostPort.parse(spec, "--listen", listen, "127.0.0.1:5000");
    OutboxSending.Setup senderSetup = senderSetup();
    SpoolSetup spoolSetup = spoolSetup();
    RegistryConfig config =
        limits.apply(RegistryConfig.defaults().withListen(bind).withReadOnly(readOnly));
    CountDownLatch finished = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stopRequested.countDown();
              try {
                finished.await(HOOK_WAIT_DEFAULT.toMillis(), TimeUnit.MILLISECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "gapsync-serve-shutdown");
    PrintWriter out = spec.commandLine().getOut();
    // The import daemon writes to the store: with a spool it opens read-write even when the
    // registry refuses writes from HTTP (RegistryConfig.readOnly is enforced by the routes).
    boolean storeReadOnly = readOnly && spoolSetup == null;
    if (!storeReadOnly) {
      // The daemon holds the store: the CLI's writing commands reach it on this socket.
      config = config.withAdminSocket(storeOption.adminSocketPath());
    }
    try (Store store = storeReadOnly ? storeOption.openReadOnly() : storeOption.openWritable();
        Registry registry = Registry.start(store, config)) {
      adminSocket = registry.adminSocket();
      address = registry.address();
      if (installShutdownHook) {
        Runtime.getRuntime().addShutdownHook(hook);
      }
      out.println(
          "Serving "
              + store.path()
              + " on http://"
              + address.getHostString()
              + ":"
              + address.getPort()
              + "/v2/"
              + (readOnly ? " (read-only)" : "")
              + (adminSocket == null ? "" : "; admin socket " + adminSocket + " (mode 0600)")
              + "; stop with Ctrl-C or SIGTERM.");
      out.flush();
      Closeable sender = startSender(senderSetup, registry, out);
      Closeable watcher = startSpool(store, spoolSetup, out);
      Closeable diode = startDiode(spoolSetup, out);
      try {
        started.countDown();
        stopRequested.await();
        out.println("Stopping: letting requests in flight finish, then closing the store.");
        out.flush();
      } finally {
        // Before the store closes: an import in progress finishes (or is cut off and undone).
        try {
          diode.close();
        } finally {
          try {
            watcher.close();
          } finally {
            sender.close();
          }
        }
      }
    } finally {
      // try-with-resources closed the registry (graceful) and then the store.
      finished.countDown();
    }
    return 0;
  }

  /** The spool options, checked and loaded before anything starts. */
  private record SpoolSetup(TrustPolicy trust, SigningKey siteKey, Duration interval) {}

  /** Checks the spool options; returns null without {@code --spool}. */
  private SpoolSetup spoolSetup() throws IOException {
    if (spool == null) {
      if (trustFile != null
          || (outbox != null && diodeSendTo == null)
          || siteKey != null
          || pollInterval != null
          || diodeListen != null) {
        throw new ParameterException(
            spec.commandLine(),
            "--trust, --site-key, --poll-interval and --diode-listen need --spool DIR; --outbox"
                + " needs --spool DIR or --diode-send-to HOST:PORT");
      }
      return null;
    }
    if (trustFile == null) {
      throw new ParameterException(spec.commandLine(), "--spool needs --trust FILE");
    }
    if (siteKey != null && outbox == null) {
      throw new ParameterException(spec.commandLine(), "--site-key needs --outbox DIR");
    }
    TrustPolicy trust;
    try {
      trust = TrustPolicy.load(trustFile);
    } catch (NoSuchFileException e) {
      throw new CliException(
          "Tried to read the trust file " + trustFile + " but there is no such file");
    }
    SigningKey key = siteKey == null ? null : KeyFiles.readPrivate(siteKey);
    Files.createDirectories(spool);
    Duration interval =
        pollInterval == null
            ? SpoolImporter.POLL_INTERVAL_DEFAULT
            : ArchiveOptions.parseDuration(pollInterval);
    return new SpoolSetup(trust, key, interval);
  }

  /** Checks the options of the outbox sender; returns null without {@code --diode-send-to}. */
  private OutboxSending.Setup senderSetup() throws IOException {
    if (diodeSendTo == null) {
      if (diodeKey != null
          || diodeRepeatLast != null
          || diodeRepeatEvery != null
          || DiodeSendOptions.anyGiven(spec)) {
        throw new ParameterException(
            spec.commandLine(),
            "--diode-key, --diode-repeat-last, --diode-repeat-every, "
                + String.join(", ", DiodeSendOptions.NAMES)
                + " need --diode-send-to HOST:PORT");
      }
      return null;
    }
    if (spool != null) {
      throw new ParameterException(
          spec.commandLine(),
          "--diode-send-to (connected side) and --spool (offline side) do not go together:"
              + " run two daemons");
    }
    if (outbox == null || diodeKey == null) {
      throw new ParameterException(
          spec.commandLine(),
          "--diode-send-to needs --outbox DIR (the export outbox) and --diode-key KEY (the"
              + " producer key)");
    }
    return OutboxSending.prepare(
        spec,
        "--diode-send-to",
        diodeSendTo,
        outbox,
        diodeKey,
        diodeSending,
        diodeRepeatLast == null ? 0 : diodeRepeatLast,
        diodeRepeatEvery);
  }

  /** Starts the outbox sender and adds its metrics; a no-op handle without a setup. */
  private Closeable startSender(OutboxSending.Setup setup, Registry registry, PrintWriter out)
      throws IOException {
    if (setup == null) {
      return () -> {};
    }
    OutboxSending running = OutboxSending.start(setup);
    outboxSending = running;
    registry.addMetrics(running.sender()::metrics);
    out.println(OutboxSending.describe(setup));
    out.flush();
    return running;
  }

  /** Starts watching the spool; the handle stops it. A no-op handle without a spool. */
  private Closeable startSpool(Store store, SpoolSetup setup, PrintWriter out) {
    if (setup == null) {
      return () -> {};
    }
    out.println(
        "Watching the spool "
            + spool
            + " every "
            + setup.interval().toMillis()
            + " ms"
            + (outbox == null ? "" : "; inventories go to " + outbox)
            + ".");
    return new SpoolImporter(store, setup.trust(), spool, outbox, setup.siteKey(), clock)
        .start(setup.interval());
  }

  /** Starts the diode receiver into the spool; a no-op handle without {@code --diode-listen}. */
  private Closeable startDiode(SpoolSetup setup, PrintWriter out) throws IOException {
    if (diodeListen == null) {
      return () -> {};
    }
    DiodeReceiver receiver =
        DiodeReceiver.start(
            DiodeReceiverConfig.defaults(
                DiodeCommand.parseAddress(spec, "--diode-listen", diodeListen), spool),
            setup.trust(),
            DiodeReceiveCommand.printer(out, spec.commandLine().getErr(), new AtomicInteger()));
    diodeAddress = receiver.address();
    out.println("Receiving diode transfers on udp://" + diodeAddress + " into " + spool + ".");
    out.flush();
    return receiver;
  }
}
