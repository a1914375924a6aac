package io.gapsync.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.Digest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Store#moveTags}: several compare-and-set tag moves (and metadata) in one atomic write. */
class StoreTagMoveTest {

  @TempDir Path tmp;
  private Store store;
  private Digest one;
  private Digest two;

  @BeforeEach
  void open() {
    store = Fixtures.open(tmp);
    one = Digest.sha256Of(Fixtures.storeImage(store, 1, null));
    two = Digest.sha256Of(Fixtures.storeImage(store, 2, null));
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void moveTagsAppliesEveryMoveAndTheMetadataTogether() {
    store.tag("app", "latest", one);

    store.moveTags(
        List.of(new TagMove("app", "latest", one, two), new TagMove("app", "v2", null, two)),
        Map.of("import/watermark/depot-1", "2"));

    store.close();
    store = Fixtures.open(tmp);
    assertThat(store.tags())
        .containsExactly(new TagInfo("app", "latest", two), new TagInfo("app", "v2", two));
    assertThat(store.meta("import/watermark/depot-1")).contains("2");
  }

  @Test
  void moveTagsWithOneStaleExpectationChangesNothingAndNamesTagExpectedAndActual() {
    store.tag("app", "latest", two);
    List<TagInfo> before = store.tags();

    assertThatThrownBy(
            () ->
                store.moveTags(
                    List.of(
                        new TagMove("app", "v1", null, one),
                        new TagMove("app", "latest", one, two)),
                    Map.of("import/watermark/depot-1", "2")))
        .isInstanceOf(StoreException.class)
        .satisfies(
            e ->
                assertThat(((StoreException) e).code()).isEqualTo(StoreException.Code.TAG_CONFLICT))
        .hasMessageContaining("app:latest points at " + two + ", not at " + one + " as expected")
        .hasMessageContaining("nothing was changed")
        .hasMessageNotContaining("app:v1");

    assertThat(store.tags()).isEqualTo(before);
    assertThat(store.meta("import/watermark/depot-1")).isEmpty();
  }

  @Test
  void moveTagsExpectingAnAbsentTagFailsWhenItExists() {
    store.tag("app", "v1", one);

    assertThatThrownBy(() -> store.moveTags(List.of(new TagMove("app", "v1", null, two))))
        .isInstanceOf(StoreException.class)
        .satisfies(
            e ->
                assertThat(((StoreException) e).code()).isEqualTo(StoreException.Code.TAG_CONFLICT))
        .hasMessageContaining("app:v1 points at " + one + ", not at nothing as expected");
    assertThat(store.resolveTag("app", "v1")).contains(one);
  }

  @Test
  void moveTagsToAManifestTheStoreLacksFailsWithManifestUnknownAndChangesNothing() {
    assertThatThrownBy(
            () ->
                store.moveTags(
                    List.of(
                        new TagMove("app", "v1", null, one),
                        new TagMove("app", "v2", null, Digests.ABSENT)),
                    Map.of("import/watermark/depot-1", "2")))
        .isInstanceOf(StoreException.class)
        .satisfies(
            e ->
                assertThat(((StoreException) e).code())
                    .isEqualTo(StoreException.Code.MANIFEST_UNKNOWN))
        .hasMessageContaining("app:v2")
        .hasMessageContaining(Digests.ABSENT.toString());

    assertThat(store.tags()).isEmpty();
    assertThat(store.meta("import/watermark/depot-1")).isEmpty();
  }

  @Test
  void moveTagsWithAnInvalidMetadataValueChangesNothing() {
    String tooLarge = "x".repeat(64 * 1024 + 1);

    assertThatThrownBy(
            () ->
                store.moveTags(
                    List.of(new TagMove("app", "v1", null, one)), Map.of("import/big", tooLarge)))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(store.tags()).isEmpty();
  }

  @Test
  void moveTagsRefusesTheSameTagTwice() {
    assertThatThrownBy(
            () ->
                store.moveTags(
                    List.of(
                        new TagMove("app", "v1", null, one), new TagMove("app", "v1", one, two))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("app:v1 is moved twice");
    assertThat(store.tags()).isEmpty();
  }

  @Test
  void tagMoveRefusesAnInvalidNameAtCreation() {
    assertThatThrownBy(() -> new TagMove("app", "-bad", null, one))
        .isInstanceOf(StoreException.class)
        .satisfies(
            e ->
                assertThat(((StoreException) e).code())
                    .isEqualTo(StoreException.Code.NAME_INVALID));
  }

  @Test
  void moveTagsOnAReadOnlyStoreFailsWithReadOnly() {
    store.close();
    store = Store.open(tmp, Fixtures.OPTIONS.asReadOnly());

    assertThatThrownBy(() -> store.moveTags(List.of(new TagMove("app", "v1", null, one))))
        .isInstanceOf(StoreException.class)
        .satisfies(
            e -> assertThat(((StoreException) e).code()).isEqualTo(StoreException.Code.READ_ONLY));
  }

  @Test
  void concurrentMovesFromTheSameExpectationLetExactlyOneWin() throws Exception {
    store.tag("app", "latest", one);
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  try {
                    store.moveTags(List.of(new TagMove("app", "latest", one, two)));
                    return true;
                  } catch (StoreException e) {
                    assertThat(e.code()).isEqualTo(StoreException.Code.TAG_CONFLICT);
                    return false;
                  }
                }));
      }
      start.countDown();
      int wins = 0;
      for (Future<Boolean> f : results) {
        wins += f.get(10, TimeUnit.SECONDS) ? 1 : 0;
      }

      assertThat(wins).isEqualTo(1);
      assertThat(store.resolveTag("app", "latest")).contains(two);
    } finally {
      pool.shutdownNow();
    }
  }
}
