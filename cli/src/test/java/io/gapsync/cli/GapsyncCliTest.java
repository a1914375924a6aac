package io.gapsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Parse-only tests: help, usage errors, option validation. Nothing here needs a store. */
class GapsyncCliTest {

  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(
      strings = {
        "add",
        "sync",
        "get",
        "ls",
        "rm",
        "gc",
        "fsck",
        "inventory",
        "inventory export",
        "inventory missing",
        "inventory diff",
        "inventory who-uses",
        "demo",
        "serve",
        "key",
        "key generate",
        "export",
        "import",
        "diode",
        "diode send",
        "diode receive"
      })
  void everyCommandHasHelp(String command) {
    String[] args = (command + " --help").split(" ");
    CliRun r = CliRun.run(args);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Usage: gapsync " + command);
  }

  @Test
  void aDescriptionParagraphWrapsAsProse() {
    CliRun r = CliRun.run("diode", "send", "--help");

    // The first paragraph: six source lines of about 88 columns. Wrapped line by line, each left
    // a stub ("paced", "--passes", ...); as prose every line but the paragraph's last is full.
    List<String> lines = r.out().lines().toList();
    int first =
        lines.indexOf(
            lines.stream().filter(l -> l.startsWith("Sends files")).findFirst().orElseThrow());
    int end = lines.subList(first, lines.size()).indexOf("") + first;
    assertThat(end - first).as(r.out()).isGreaterThan(3);
    assertThat(lines.subList(first, end - 1))
        .as(r.out())
        .allSatisfy(line -> assertThat(line.length()).isGreaterThan(60));
  }

  @ParameterizedTest
  @ValueSource(strings = {"add", "rm", "gc", "fsck", "get", "serve"})
  void storeCommandsNameTheAdminSocket(String command) {
    CliRun r = CliRun.run(command, "--help");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("--admin-socket=PATH").contains("admin socket");
  }

  @Test
  void noCommandIsAUsageError() {
    CliRun r = CliRun.run();
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("gapsync: Missing command").contains("Usage: gapsync");
  }

  @Test
  void missingArgumentIsOneLinePlusSynopsis() {
    CliRun r = CliRun.run("get", "x/y:1");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err().lines().count()).isEqualTo(3);
    assertThat(r.err())
        .contains("Missing required parameter: 'DEST'")
        .contains("Usage: gapsync get");
  }

  @Test
  void platformAndAllPlatformsExcludeEachOther() {
    CliRun r =
        CliRun.run("add", "oci:/nonexistent", "--platform", "linux/amd64", "--all-platforms");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("mutually exclusive");
  }

  @Test
  void addRejectsMalformedPlatform() {
    CliRun r = CliRun.withStore(tmp.resolve("s"), "add", "oci:/nonexistent", "--platform", "linux");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Invalid platform 'linux'");
  }

  @Test
  void addRejectsAsWithoutTag() {
    CliRun r = CliRun.withStore(tmp.resolve("s"), "add", "oci:/nonexistent", "--as", "Bad_Name:1");
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.err()).contains("Bad_Name");
  }

  @Test
  void addRejectsArtifactTypeThatIsNotAMediaType() {
    Path f = tmp.resolve("f.txt");
    CliRun r =
        CliRun.withStore(tmp.resolve("s"), "add", "file:" + f, "--artifact-type", "nonsense");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--artifact-type 'nonsense' is not a media type");
  }

  @Test
  void unknownTransportIsRefusedWithTheSyntax() {
    CliRun r = CliRun.withStore(tmp.resolve("s"), "add", "ftp://x/y");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .startsWith("gapsync: ")
        .contains("ftp://x/y")
        .contains("Usage: gapsync add");
  }

  @Test
  void syncNeedsAFile() {
    CliRun r = CliRun.run("sync");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Missing required option: '--file=FILE'");
  }

  @Test
  void syncReportsABadSyncSetAsOneLineWithLineAndField() throws Exception {
    Path f = tmp.resolve("sync.yaml");
    java.nio.file.Files.writeString(
        f,
        "apiVersion: gapsync.io/v1alpha1\nkind: SyncSet\nspec:\n  images:\n"
            + "    - ref: docker://127.0.0.1:1/a/b:1\n      tagz: {newest: 1}\n");
    CliRun r = CliRun.withStore(tmp.resolve("s"), "sync", "-f", f.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err().lines().count()).isEqualTo(1);
    assertThat(r.err())
        .contains("sync.yaml:6 but spec.images[0].tagz is not a known field")
        .contains("expected one of as, platforms, ref, referrers, tags");
    assertThat(tmp.resolve("s")).doesNotExist();
  }

  @Test
  void addRejectsAMalformedRegistryReference() {
    CliRun r = CliRun.withStore(tmp.resolve("s"), "add", "docker://quay.io/Org/App:1");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("docker://quay.io/Org/App:1").contains("lowercase");
  }

  @Test
  void storeDefaultsToEnvironmentThenHome() {
    assertThat(CliConfig.from(Map.of("GAPSYNC_STORE", "/srv/s"), "/home/u").defaultStore())
        .isEqualTo(Path.of("/srv/s"));
    assertThat(CliConfig.from(Map.of(), "/home/u").defaultStore())
        .isEqualTo(Path.of("/home/u/.gapsync/store"));
  }

  @Test
  void stacktraceOptionAddsTheTrace() {
    CliRun r =
        CliRun.withStore(
            tmp.resolve("s"), "get", "a/b:1", "oci:" + tmp.resolve("o"), "--stacktrace");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("gapsync: error: ").contains("\tat ");
  }
}
