package io.gapsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Sizes and durations of the archive commands, and their usage errors (parse only). */
class ArchiveOptionsTest {

  @ParameterizedTest
  @CsvSource({
    "4.7G, 4700000000",
    "25GB, 25000000000",
    "700M, 700000000",
    "64KiB, 65536",
    "1.5MiB, 1572864",
    "123456, 123456",
    "2TiB, 2199023255552"
  })
  void parseSizeReadsDecimalAndBinaryUnits(String text, long bytes) {
    assertThat(ArchiveOptions.parseSize(text)).isEqualTo(bytes);
  }

  @Test
  void parseSizeRejectsGarbage() {
    assertThatThrownBy(() -> ArchiveOptions.parseSize("lots"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("4.7G");
    assertThatThrownBy(() -> ArchiveOptions.parseSize("0")).isInstanceOf(CliException.class);
  }

  @Test
  void parseDurationReadsShortFormsAndIso() {
    assertThat(ArchiveOptions.parseDuration("12h")).isEqualTo(Duration.ofHours(12));
    assertThat(ArchiveOptions.parseDuration("30d")).isEqualTo(Duration.ofDays(30));
    assertThat(ArchiveOptions.parseDuration("2w")).isEqualTo(Duration.ofDays(14));
    assertThat(ArchiveOptions.parseDuration("P3D")).isEqualTo(Duration.ofDays(3));
    assertThatThrownBy(() -> ArchiveOptions.parseDuration("soon")).isInstanceOf(CliException.class);
    assertThatThrownBy(() -> ArchiveOptions.parseDuration("0s")).isInstanceOf(CliException.class);
  }

  @Test
  void exportWithoutKeyAndImportWithoutArchiveAreUsageErrors() {
    CliRun export =
        ArchiveCli.run(ArchiveCommandsTest.CLOCK, "export", "--against", "x.json", "-o", "out");
    assertThat(export.exitCode()).isEqualTo(2);
    assertThat(export.err())
        .contains("Missing required option: '--key=KEY'")
        .contains("Usage: gapsync export");
    CliRun imp = ArchiveCli.run(ArchiveCommandsTest.CLOCK, "import", "--trust", "t.json");
    assertThat(imp.exitCode()).isEqualTo(2);
    assertThat(imp.err()).contains("ARCHIVE");
  }

  @Test
  void missingFilesAreOneLineFailures() {
    CliRun r =
        ArchiveCli.run(
            ArchiveCommandsTest.CLOCK, "import", "--trust", "/nonexistent/t.json", "a.gsa");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err().trim())
        .isEqualTo(
            "gapsync: error: Tried to read the trust file /nonexistent/t.json but there is no such file");
  }
}
