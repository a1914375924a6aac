package io.gapsync.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The real CNCF distribution registry (Debian's {@code docker-registry}), started on 127.0.0.1 with
 * a config in a temp folder and stopped by its pid in {@link #close()}.
 */
final class DistributionRegistry implements AutoCloseable {

  private final Process process;
  private final int port;
  private final Path log;

  private DistributionRegistry(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * Starts a registry.
   *
   * @param dir an empty folder for config, data and log
   * @param authYaml the {@code auth:} section (indented two spaces per level), or empty
   * @return the running registry, answering on /v2/
   */
  static DistributionRegistry start(Path dir, String authYaml) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path config = dir.resolve("config.yml");
    Files.writeString(
        config,
        "version: 0.1\n"
            + "log: {level: warn}\n"
            + "storage:\n"
            + "  filesystem: {rootdirectory: "
            + dir.resolve("data")
            + "}\n"
            + "  delete: {enabled: true}\n"
            + "http:\n"
            + "  addr: 127.0.0.1:"
            + port
            + "\n"
            + authYaml);
    Path log = dir.resolve("registry.log");
    Process p =
        new ProcessBuilder("docker-registry", "serve", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    DistributionRegistry r = new DistributionRegistry(p, port, log);
    try {
      r.awaitReady();
    } catch (Exception | AssertionError e) {
      r.close();
      throw e;
    }
    return r;
  }

  private void awaitReady() throws Exception {
    HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("docker-registry exited: " + Files.readString(log));
      }
      try {
        HttpResponse<Void> r =
            c.send(
                HttpRequest.newBuilder(URI.create("http://" + host() + "/v2/")).build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200 || r.statusCode() == 401) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "docker-registry did not answer within 30 s: " + Files.readString(log));
  }

  /** Returns {@code 127.0.0.1:PORT}. */
  String host() {
    return "127.0.0.1:" + port;
  }

  int port() {
    return port;
  }

  /** Pushes an OCI layout image with skopeo. */
  void push(String source, String repoTag, String... extra) {
    java.util.List<String> cmd =
        new java.util.ArrayList<>(
            java.util.List.of("skopeo", "copy", "--all", "--dest-tls-verify=false"));
    cmd.addAll(java.util.List.of(extra));
    cmd.add(source);
    cmd.add("docker://" + host() + "/" + repoTag);
    Peers.run(null, cmd.toArray(String[]::new));
  }

  @Override
  public void close() throws IOException {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
