package io.gapsync.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real third-party tools (skopeo, umoci) for peer tests tagged {@code "peer"}. Tests skip
 * themselves with {@code assumeTrue(Peers.available("skopeo"))} when a tool is missing, except when
 * {@code GAPSYNC_REQUIRE_PEERS=1} (set by .ci/run): then a missing tool fails the test, so CI
 * cannot pass by skipping. Nothing here touches the network: images are built locally with umoci.
 */
public final class Peers {

  /** How long one tool invocation may take before it is killed. */
  public static final Duration TIMEOUT = Duration.ofMinutes(2);

  private static final ConcurrentHashMap<String, Boolean> AVAILABLE = new ConcurrentHashMap<>();

  private Peers() {}

  /**
   * Returns true if an executable of that name is on the PATH.
   *
   * @throws AssertionError if it is not and {@code GAPSYNC_REQUIRE_PEERS=1}
   */
  public static boolean available(String tool) {
    boolean found = onPath(tool);
    if (!found && "1".equals(System.getenv("GAPSYNC_REQUIRE_PEERS"))) {
      throw new AssertionError(
          "Peer tool '"
              + tool
              + "' is not installed but GAPSYNC_REQUIRE_PEERS=1: install it "
              + "(apt-get install -y "
              + tool
              + ") as .ci/run does");
    }
    return found;
  }

  private static boolean onPath(String tool) {
    return AVAILABLE.computeIfAbsent(
        tool,
        t -> {
          String path = System.getenv("PATH");
          if (path == null) {
            return false;
          }
          for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, t))) {
              return true;
            }
          }
          return false;
        });
  }

  /**
   * Runs a command with stdout and stderr merged, under {@link #TIMEOUT}.
   *
   * @param dir the working directory, or null for the current one
   * @param cmd the command and its arguments
   * @return the output
   * @throws IllegalStateException with the command and its output if it exits non-zero or times out
   */
  public static String run(Path dir, String... cmd) {
    Path log = null;
    try {
      log = Files.createTempFile("peer-", ".log");
      ProcessBuilder pb =
          new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
      if (dir != null) {
        pb.directory(dir.toFile());
      }
      Process p = pb.start();
      // Output goes to a file, not a pipe, so a chatty tool cannot block on a full pipe.
      boolean finished = p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (!finished) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      String out = Files.readString(log, StandardCharsets.UTF_8);
      if (!finished) {
        throw new IllegalStateException(
            "Timed out after " + TIMEOUT + ": " + String.join(" ", cmd) + "\n" + out);
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            "Exit " + p.exitValue() + ": " + String.join(" ", cmd) + "\n" + out);
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("Could not run " + String.join(" ", cmd), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted running " + String.join(" ", cmd), e);
    } finally {
      if (log != null) {
        try {
          Files.deleteIfExists(log);
        } catch (IOException e) {
          // A leftover temp log is harmless.
        }
      }
    }
  }

  /**
   * Builds a one-layer image with umoci, from local files only: {@code umoci init} (if the layout
   * does not exist), {@code umoci new}, {@code umoci insert contentDir /}.
   *
   * @param layout the OCI layout directory
   * @param tag the ref name to give the image
   * @param contentDir a directory whose contents become the image's root filesystem
   * @return the layout
   */
  public static Path buildTinyImage(Path layout, String tag, Path contentDir) {
    List<String> rootless =
        "root".equals(System.getProperty("user.name")) ? List.of() : List.of("--rootless");
    if (!Files.exists(layout)) {
      run(null, "umoci", "init", "--layout", layout.toString());
    }
    String image = layout + ":" + tag;
    run(null, "umoci", "new", "--image", image);
    List<String> insert = new ArrayList<>(List.of("umoci", "insert"));
    insert.addAll(rootless);
    insert.addAll(List.of("--image", image, contentDir.toString(), "/"));
    run(null, insert.toArray(String[]::new));
    return layout;
  }
}
