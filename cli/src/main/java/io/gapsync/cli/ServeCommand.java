package io.gapsync.cli;

import io.gapsync.daemon.registry.Registry;
import io.gapsync.daemon.registry.RegistryConfig;
import io.gapsync.store.Store;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
      "With --read-only the store is opened read-only and every write answers",
      "405 UNSUPPORTED; the registry serves the store as it was when it started."
    })
final class ServeCommand implements Callable<Integer> {

  /** Longest the shutdown hook waits for the cleanup before the JVM exits anyway. */
  static final Duration HOOK_WAIT_DEFAULT =
      RegistryConfig.SHUTDOWN_TIMEOUT_DEFAULT.plus(Duration.ofSeconds(5));

  @Mixin StoreMixin storeOption;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:5000",
      description = "The address to listen on (default: ${DEFAULT-VALUE}; port 0 picks one).")
  String listen;

  @Option(names = "--read-only", description = "Refuse every write (the offline side).")
  boolean readOnly;

  /** Counted down to stop the server (by the shutdown hook, or by tests). */
  final CountDownLatch stopRequested = new CountDownLatch(1);

  /** Counted down when the server is up; {@link #address} is then set. */
  final CountDownLatch started = new CountDownLatch(1);

  /** The address the registry listens on, once started. */
  volatile InetSocketAddress address;

  /** When false (tests), no JVM shutdown hook is installed. */
  boolean installShutdownHook = true;

  @Override
  public Integer call() throws InterruptedException {
    InetSocketAddress bind = parseListen(listen);
    RegistryConfig config = RegistryConfig.defaults().withListen(bind).withReadOnly(readOnly);
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
    try (Store store = readOnly ? storeOption.openReadOnly() : storeOption.openWritable();
        Registry registry = Registry.start(store, config)) {
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
              + "; stop with Ctrl-C or SIGTERM.");
      out.flush();
      started.countDown();
      stopRequested.await();
      out.println("Stopping: letting requests in flight finish, then closing the store.");
      out.flush();
    } finally {
      // try-with-resources closed the registry (graceful) and then the store.
      finished.countDown();
    }
    return 0;
  }

  /** Parses {@code HOST:PORT} ({@code [v6]:PORT} for IPv6). */
  InetSocketAddress parseListen(String value) {
    int colon = value.lastIndexOf(':');
    String host = colon > 0 ? value.substring(0, colon) : "";
    String port = colon >= 0 ? value.substring(colon + 1) : "";
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      p = -1;
    }
    if (host.isEmpty() || p < 0 || p > 65535) {
      throw new ParameterException(
          spec.commandLine(),
          "Invalid value for option '--listen': '"
              + value
              + "' is not HOST:PORT (e.g. 127.0.0.1:5000)");
    }
    return new InetSocketAddress(host, p);
  }
}
