package io.gapsync.daemon.registry;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * How the registry serves: the one configuration object of the registry, validated once at creation
 * (STYLE rule 9). Every limit has a named default carrying its unit and a defined reply when
 * reached (see docs/REGISTRY.md).
 *
 * @param listen the address to bind; port 0 picks a free port (see {@link Registry#address()})
 * @param readOnly refuse every write with 405 UNSUPPORTED (the offline side)
 * @param maxHeaderBytes the largest request header block; larger answers 431 and closes
 * @param maxManifestBytes the largest manifest accepted by a PUT; larger answers 413 SIZE_INVALID
 * @param idleTimeout a connection with no read or write progress for this long is closed
 * @param headerTimeout a request whose header block is not complete this long after its first byte
 *     answers 408 and the connection closes (a client trickling its headers)
 * @param requestTimeout a request whose body is not complete this long after its first byte answers
 *     408 and the connection closes; what its body wrote is not published (a client trickling a
 *     body). Chunked uploads make each PATCH its own request
 * @param maxUploadSessions open upload sessions at most; one more answers 429 TOOMANYREQUESTS with
 *     {@code Retry-After}
 * @param uploadSessionTimeout an upload session untouched for this long is cancelled; also how long
 *     pushed content stays pinned against gc while its manifest has not arrived
 * @param sweepInterval how often abandoned upload sessions are looked for
 * @param storeStatsInterval how often the store's blob count and size are refreshed for {@code
 *     /metrics} (counting walks the store, so it runs in the background, never per scrape)
 * @param shutdownTimeout how long {@link Registry#close()} lets requests in flight finish
 * @param ioThreads event loop threads; 0 means Netty's default (twice the processors)
 * @param adminSocket the Unix domain socket of the operator's channel (docs/REGISTRY.md, "The admin
 *     socket"): the full registry API write-enabled, even when {@code readOnly}, plus the admin
 *     endpoints; created with mode 0600 so that file permissions are the access control. Null for
 *     none.
 */
public record RegistryConfig(
    InetSocketAddress listen,
    boolean readOnly,
    int maxHeaderBytes,
    int maxManifestBytes,
    Duration idleTimeout,
    Duration headerTimeout,
    Duration requestTimeout,
    int maxUploadSessions,
    Duration uploadSessionTimeout,
    Duration sweepInterval,
    Duration storeStatsInterval,
    Duration shutdownTimeout,
    int ioThreads,
    java.nio.file.Path adminSocket) {

  /** Default bind address: loopback, port 5000 (issue 3: the default bind is loopback). */
  public static final InetSocketAddress LISTEN_DEFAULT =
      new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 5000);

  /** Default largest header block: 16 KiB, twice what common clients send with tokens. */
  public static final int MAX_HEADER_BYTES_DEFAULT = 16 * 1024;

  /** Default largest manifest: 4 MiB, as the distribution spec suggests and registries enforce. */
  public static final int MAX_MANIFEST_BYTES_DEFAULT = 4 * 1024 * 1024;

  /** Default idle timeout: 60 seconds without progress closes the connection. */
  public static final Duration IDLE_TIMEOUT_DEFAULT = Duration.ofSeconds(60);

  /** Default time from a request's first byte to the end of its headers: 30 seconds. */
  public static final Duration HEADER_TIMEOUT_DEFAULT = Duration.ofSeconds(30);

  /**
   * Default time from a request's first byte to the end of its body: 30 minutes (a 2 GiB layer in
   * one request at 1.2 MB/s). Raise it for slower links, or have clients push in chunks.
   */
  public static final Duration REQUEST_TIMEOUT_DEFAULT = Duration.ofMinutes(30);

  /** Default most concurrent upload sessions: 256. */
  public static final int MAX_UPLOAD_SESSIONS_DEFAULT = 256;

  /** Default time an untouched upload session lives: 15 minutes. */
  public static final Duration UPLOAD_SESSION_TIMEOUT_DEFAULT = Duration.ofMinutes(15);

  /** Default sweep interval for abandoned upload sessions: 30 seconds. */
  public static final Duration SWEEP_INTERVAL_DEFAULT = Duration.ofSeconds(30);

  /** Default interval of the store statistics refresh behind {@code /metrics}: 30 seconds. */
  public static final Duration STORE_STATS_INTERVAL_DEFAULT = Duration.ofSeconds(30);

  /** Default time in-flight requests get at shutdown: 10 seconds. */
  public static final Duration SHUTDOWN_TIMEOUT_DEFAULT = Duration.ofSeconds(10);

  /**
   * Longest admin socket path in bytes: {@code sun_path} holds 108 bytes on Linux, one of them the
   * terminating zero.
   */
  public static final int ADMIN_SOCKET_PATH_MAX_BYTES = 107;

  /** File name of the default admin socket inside the store folder. */
  public static final String ADMIN_SOCKET_NAME_DEFAULT = "admin.sock";

  /** Returns the default admin socket of a store: {@code DIR/admin.sock}. */
  public static java.nio.file.Path adminSocketOf(java.nio.file.Path storeDir) {
    return storeDir.toAbsolutePath().resolve(ADMIN_SOCKET_NAME_DEFAULT);
  }

  /** Validates the fields. */
  public RegistryConfig {
    Objects.requireNonNull(listen, "listen");
    positive("maxHeaderBytes", maxHeaderBytes);
    positive("maxManifestBytes", maxManifestBytes);
    positive("maxUploadSessions", maxUploadSessions);
    positive("idleTimeout", idleTimeout);
    positive("headerTimeout", headerTimeout);
    positive("requestTimeout", requestTimeout);
    positive("uploadSessionTimeout", uploadSessionTimeout);
    positive("sweepInterval", sweepInterval);
    positive("storeStatsInterval", storeStatsInterval);
    Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
    if (shutdownTimeout.isNegative()) {
      throw new IllegalArgumentException("shutdownTimeout " + shutdownTimeout + " is negative");
    }
    if (ioThreads < 0) {
      throw new IllegalArgumentException("ioThreads " + ioThreads + " is negative");
    }
    if (adminSocket != null) {
      adminSocket = adminSocket.toAbsolutePath();
      int bytes = adminSocket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      if (bytes > ADMIN_SOCKET_PATH_MAX_BYTES) {
        throw new IllegalArgumentException(
            "admin socket path "
                + adminSocket
                + " is "
                + bytes
                + " bytes, over the "
                + ADMIN_SOCKET_PATH_MAX_BYTES
                + " a Unix socket path may have: choose a shorter one with --admin-socket");
      }
    }
  }

  /** Returns the defaults: loopback port 5000, read-write. */
  public static RegistryConfig defaults() {
    return new RegistryConfig(
        LISTEN_DEFAULT,
        false,
        MAX_HEADER_BYTES_DEFAULT,
        MAX_MANIFEST_BYTES_DEFAULT,
        IDLE_TIMEOUT_DEFAULT,
        HEADER_TIMEOUT_DEFAULT,
        REQUEST_TIMEOUT_DEFAULT,
        MAX_UPLOAD_SESSIONS_DEFAULT,
        UPLOAD_SESSION_TIMEOUT_DEFAULT,
        SWEEP_INTERVAL_DEFAULT,
        STORE_STATS_INTERVAL_DEFAULT,
        SHUTDOWN_TIMEOUT_DEFAULT,
        0,
        null);
  }

  /** Returns this configuration listening on another address. */
  public RegistryConfig withListen(InetSocketAddress address) {
    return new RegistryConfig(
        address,
        readOnly,
        maxHeaderBytes,
        maxManifestBytes,
        idleTimeout,
        headerTimeout,
        requestTimeout,
        maxUploadSessions,
        uploadSessionTimeout,
        sweepInterval,
        storeStatsInterval,
        shutdownTimeout,
        ioThreads,
        adminSocket);
  }

  /** Returns this configuration, read-only or not. */
  public RegistryConfig withReadOnly(boolean value) {
    return new RegistryConfig(
        listen,
        value,
        maxHeaderBytes,
        maxManifestBytes,
        idleTimeout,
        headerTimeout,
        requestTimeout,
        maxUploadSessions,
        uploadSessionTimeout,
        sweepInterval,
        storeStatsInterval,
        shutdownTimeout,
        ioThreads,
        adminSocket);
  }

  /** Returns this configuration with an admin socket at {@code path} (null for none). */
  public RegistryConfig withAdminSocket(java.nio.file.Path path) {
    return new RegistryConfig(
        listen,
        readOnly,
        maxHeaderBytes,
        maxManifestBytes,
        idleTimeout,
        headerTimeout,
        requestTimeout,
        maxUploadSessions,
        uploadSessionTimeout,
        sweepInterval,
        storeStatsInterval,
        shutdownTimeout,
        ioThreads,
        path);
  }

  /** Returns this configuration with other limits on manifests and upload sessions. */
  public RegistryConfig withLimits(
      int manifestBytes, int uploadSessions, Duration sessionTimeout, Duration idle) {
    return new RegistryConfig(
        listen,
        readOnly,
        maxHeaderBytes,
        manifestBytes,
        idle,
        headerTimeout,
        requestTimeout,
        uploadSessions,
        sessionTimeout,
        sweepInterval,
        storeStatsInterval,
        shutdownTimeout,
        ioThreads,
        adminSocket);
  }

  /** Returns this configuration with other connection and request timeouts. */
  public RegistryConfig withTimeouts(Duration idle, Duration header, Duration request) {
    return new RegistryConfig(
        listen,
        readOnly,
        maxHeaderBytes,
        maxManifestBytes,
        idle,
        header,
        request,
        maxUploadSessions,
        uploadSessionTimeout,
        sweepInterval,
        storeStatsInterval,
        shutdownTimeout,
        ioThreads,
        adminSocket);
  }

  /** Returns this configuration with other limits on upload sessions and their sweep. */
  public RegistryConfig withUploadSessions(int max, Duration timeout, Duration sweep) {
    return new RegistryConfig(
        listen,
        readOnly,
        maxHeaderBytes,
        maxManifestBytes,
        idleTimeout,
        headerTimeout,
        requestTimeout,
        max,
        timeout,
        sweep,
        storeStatsInterval,
        shutdownTimeout,
        ioThreads,
        adminSocket);
  }

  /** Returns this configuration with another header block limit and event loop count. */
  public RegistryConfig withHeaderBytesAndThreads(int headerBytes, int threads) {
    return new RegistryConfig(
        listen,
        readOnly,
        headerBytes,
        maxManifestBytes,
        idleTimeout,
        headerTimeout,
        requestTimeout,
        maxUploadSessions,
        uploadSessionTimeout,
        sweepInterval,
        storeStatsInterval,
        shutdownTimeout,
        threads,
        adminSocket);
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " " + value + " must be positive");
    }
  }

  private static void positive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(name + " " + value + " must be positive");
    }
  }
}
