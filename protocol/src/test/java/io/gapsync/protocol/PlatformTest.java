package io.gapsync.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PlatformTest {

  @Test
  void parseReadsOsAndArchitecture() {
    Platform p = Platform.parse("linux/amd64");

    assertThat(p).isEqualTo(new Platform("linux", "amd64", null));
    assertThat(p.toString()).isEqualTo("linux/amd64");
  }

  @Test
  void parseReadsVariant() {
    Platform p = Platform.parse("linux/arm64/v8");

    assertThat(p.variant()).isEqualTo("v8");
    assertThat(p.toString()).isEqualTo("linux/arm64/v8");
  }

  @ParameterizedTest
  @ValueSource(strings = {"linux", "linux/amd64/v8/extra", "linux//v8", "/amd64", ""})
  void parseRejectsWrongNumberOfPartsOrEmptyParts(String value) {
    assertThatThrownBy(() -> Platform.parse(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid platform '" + value + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Linux/amd64", "linux/amd 64", "linux/amd64/V8"})
  void parseRejectsUppercaseAndOtherCharacters(String value) {
    assertThatThrownBy(() -> Platform.parse(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Invalid platform '" + value + "': parts must be lowercase letters, digits, . _ -");
  }

  @Test
  void constructorTurnsEmptyVariantIntoNone() {
    assertThat(new Platform("linux", "amd64", "").variant()).isNull();
  }

  @Test
  void constructorRejectsMissingArchitecture() {
    assertThatThrownBy(() -> new Platform("linux", "", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Platform needs an os and an architecture");
  }

  @Test
  void requestWithoutVariantSelectsAnyVariant() {
    Platform requested = Platform.parse("linux/arm64");

    assertThat(requested.selects(Platform.parse("linux/arm64/v8"))).isTrue();
    assertThat(requested.selects(Platform.parse("linux/arm64"))).isTrue();
    assertThat(requested.selects(Platform.parse("linux/amd64"))).isFalse();
  }

  @Test
  void requestWithVariantSelectsOnlyThatVariant() {
    Platform requested = Platform.parse("linux/arm/v7");

    assertThat(requested.selects(Platform.parse("linux/arm/v7"))).isTrue();
    assertThat(requested.selects(Platform.parse("linux/arm/v6"))).isFalse();
    assertThat(requested.selects(Platform.parse("linux/arm"))).isFalse();
  }
}
