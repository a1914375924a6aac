package io.gapsync.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small metadata values and persistent counters (archive sequences, import records). */
class StoreMetaTest {

  @TempDir Path tmp;

  @Test
  void nextSequenceStartsAtOneIncreasesAndSurvivesReopen() {
    try (Store s = Fixtures.open(tmp)) {
      assertThat(s.nextSequence("archive-sequence/depot-1")).isEqualTo(1);
      assertThat(s.nextSequence("archive-sequence/depot-1")).isEqualTo(2);
      assertThat(s.nextSequence("archive-sequence/depot-2")).isEqualTo(1);
    }
    try (Store s = Fixtures.open(tmp)) {
      assertThat(s.nextSequence("archive-sequence/depot-1")).isEqualTo(3);
      assertThat(s.meta("archive-sequence/depot-1")).contains("3");
    }
  }

  @Test
  void putMetaWritesAndRemovesInOneBatchAndListsByPrefix() {
    try (Store s = Fixtures.open(tmp)) {
      s.putMeta(Map.of("import/watermark/a", "3", "import/watermark/b", "9", "other", "x"));
      assertThat(s.metaWithPrefix("import/watermark/"))
          .containsExactly(
              Map.entry("import/watermark/a", "3"), Map.entry("import/watermark/b", "9"));
      Map<String, String> change = new HashMap<>();
      change.put("import/watermark/a", null);
      s.putMeta(change);
      assertThat(s.meta("import/watermark/a")).isEmpty();
      assertThat(s.meta("other")).contains("x");
    }
  }

  @Test
  void metadataNeverTouchesTheStoresOwnKeys() {
    try (Store s = Fixtures.open(tmp)) {
      String site = s.siteId();
      s.putMeta(Map.of("site-id", "forged", "format-version", "99"));
      assertThat(s.siteId()).isEqualTo(site);
    }
    try (Store s = Fixtures.open(tmp)) {
      assertThat(s.siteId()).doesNotContain("forged");
      assertThat(s.fsck().ok()).isTrue();
    }
  }

  @Test
  void malformedKeysAndReadOnlyStoresAreRefused() {
    try (Store s = Fixtures.open(tmp)) {
      assertThatThrownBy(() -> s.meta("has space")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> s.putMeta(Map.of("", "v")))
          .isInstanceOf(IllegalArgumentException.class);
    }
    try (Store s = Store.open(tmp, StoreOptions.defaults().asReadOnly())) {
      assertThatThrownBy(() -> s.nextSequence("c"))
          .isInstanceOf(StoreException.class)
          .extracting(e -> ((StoreException) e).code())
          .isEqualTo(StoreException.Code.READ_ONLY);
    }
  }
}
