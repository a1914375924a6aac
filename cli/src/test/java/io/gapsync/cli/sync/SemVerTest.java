package io.gapsync.cli.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SemVerTest {

  @ParameterizedTest
  @CsvSource({
    "'>=1.2 <2', 1.2.0, true",
    "'>=1.2 <2', 1.9.9, true",
    "'>=1.2 <2', 2.0.0, false",
    "'>=1.2 <2', 2.0.0-rc.1, false",
    "'>=1.2 <2', 1.1.9, false",
    "^1.2, 1.9.0, true",
    "^1.2, 2.0.0, false",
    "^0.3, 0.3.9, true",
    "^0.3, 0.4.0, false",
    "~1.2, 1.2.9, true",
    "~1.2, 1.3.0, false",
    "1.x, 1.7.3, true",
    "1.x, 2.0.0, false",
    "*, 7.0.0, true",
    "1.2.3, v1.2.3, true",
    "1.2.3, 1.2.4, false",
    "'<1 || >=3', 0.9.0, true",
    "'<1 || >=3', 2.0.0, false",
    "'>=2.0.0-rc.1', 2.0.0-rc.2, true",
    "'>=1', 1.25, true",
  })
  void rangesSelectAsNpmAndHelmDo(String range, String tag, boolean expected) {
    assertThat(SemVer.Range.parse(range).test(SemVer.parse(tag))).isEqualTo(expected);
  }

  @Test
  void versionsOrderLikeSemver() {
    assertThat(SemVer.parse("1.0.0-alpha")).isLessThan(SemVer.parse("1.0.0-alpha.1"));
    assertThat(SemVer.parse("1.0.0-alpha.beta")).isLessThan(SemVer.parse("1.0.0-beta"));
    assertThat(SemVer.parse("1.0.0-rc.2")).isLessThan(SemVer.parse("1.0.0-rc.10"));
    assertThat(SemVer.parse("1.0.0-rc.1")).isLessThan(SemVer.parse("1.0.0"));
    assertThat(SemVer.parse("1.10")).isGreaterThan(SemVer.parse("1.9.9"));
    assertThat(SemVer.parse("latest")).isNull();
    assertThat(SemVer.parse("01.2.3")).isNull();
  }

  @Test
  void badRangesAreRefusedWithTheTerm() {
    assertThatThrownBy(() -> SemVer.Range.parse(">=banana")).hasMessageContaining("'>=banana'");
    assertThatThrownBy(() -> SemVer.Range.parse("1 ||")).hasMessageContaining("empty alternative");
  }

  @Test
  void newestKeepsTheHighestVersionsAndDropsOtherTags() {
    TagFilter f = new TagFilter(Pattern.compile("[0-9.]+"), null, 2);

    assertThat(f.apply(List.of("1.10.0", "1.9.0", "1.2.0", "latest", "1.11.0-rc1")))
        .containsExactly("1.9.0", "1.10.0");
    assertThat(
            new TagFilter(Pattern.compile("alpine.*"), null, 0)
                .apply(List.of("alpine", "a", "alpine3")))
        .containsExactly("alpine", "alpine3");
  }
}
