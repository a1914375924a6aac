package io.gapsync.daemon.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the registry's peer tests share: finding a tool (skip when missing, fail under {@code
 * GAPSYNC_REQUIRE_PEERS=1} as CI sets it), running it with a timeout, and building a small image
 * that can also run (a dynamically linked {@code cat} with its loader and libc, and a file to cat).
 */
final class PeerTools {

  /** How long one tool invocation may take before it is killed. */
  static final long TIMEOUT_MINUTES = 2;

  /** What {@link #runnableImage}'s default command prints. */
  static final String GREETING = "hello from gapsync";

  private PeerTools() {}

  /** Runs a command; returns its output (stderr merged) or fails the test with it. */
  static String run(String... command) throws Exception {
    List<String> cmd = List.of(command);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        throw new AssertionError(String.join(" ", cmd) + " timed out");
      }
      String text = new String(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new AssertionError(String.join(" ", cmd) + " exited " + p.exitValue() + ":\n" + text);
      }
      return text;
    } finally {
      p.destroyForcibly();
    }
  }

  /**
   * Returns true if the tool is on the PATH.
   *
   * @throws AssertionError if it is not and {@code GAPSYNC_REQUIRE_PEERS=1}
   */
  static boolean available(String tool) {
    String path = System.getenv("PATH");
    boolean found = false;
    if (path != null) {
      for (String d : path.split(File.pathSeparator)) {
        if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
          found = true;
        }
      }
    }
    if (!found && "1".equals(System.getenv("GAPSYNC_REQUIRE_PEERS"))) {
      throw new AssertionError(
          "Peer tool '"
              + tool
              + "' is not installed but GAPSYNC_REQUIRE_PEERS=1: apt-get install -y "
              + tool
              + " (as .ci/run does)");
    }
    return found;
  }

  /**
   * Builds with umoci an OCI layout {@code dir/layout} with tag {@code t}: one layer holding {@code
   * /bin/cat}, the loader and libc it links against, and {@code /etc/hello.txt}; a second layer
   * with 300 kB of data; command {@code cat /etc/hello.txt}. Needs umoci.
   *
   * @return the layout folder
   */
  static Path runnableImage(Path dir) throws Exception {
    Path layout = dir.resolve("layout");
    Path root = dir.resolve("rootfs");
    for (String f :
        List.of("/usr/bin/cat", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2")) {
      Path target = root.resolve(f.substring(1).replace("usr/bin", "bin"));
      Files.createDirectories(target.getParent());
      Files.copy(Path.of(f), target);
    }
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/hello.txt"), GREETING + "\n");
    Path data = Files.createDirectories(dir.resolve("data"));
    Files.write(data.resolve("data.bin"), Content.blob(300_000, 11));
    String image = layout + ":t";
    run("umoci", "init", "--layout", layout.toString());
    run("umoci", "new", "--image", image);
    run("umoci", "insert", "--image", image, root.toString(), "/");
    run("umoci", "insert", "--image", image, data.toString(), "/data");
    run(
        "umoci",
        "config",
        "--image",
        image,
        "--config.cmd",
        "/bin/cat",
        "--config.cmd",
        "/etc/hello.txt");
    return layout;
  }

  /** The digest of the one manifest an OCI layout's index.json lists. */
  static Digest manifestDigest(Path layout) throws IOException {
    String index = Files.readString(layout.resolve("index.json"));
    Matcher m = Pattern.compile("\"digest\"\\s*:\\s*\"(sha256:[0-9a-f]{64})\"").matcher(index);
    assertThat(m.find()).as("index.json lists a manifest: " + index).isTrue();
    return Digest.parse(m.group(1));
  }

  /** Stops a process this test started: SIGTERM, then SIGKILL after 10 s. */
  static void stop(Process p) throws InterruptedException {
    if (p == null) {
      return;
    }
    p.destroy();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
