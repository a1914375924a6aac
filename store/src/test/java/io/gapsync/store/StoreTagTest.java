package io.gapsync.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.Digest;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StoreTagTest {

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
  void tagResolvesAndRetags() {
    store.tag("library/nginx", "1.27", one);
    assertThat(store.resolveTag("library/nginx", "1.27")).contains(one);

    store.tag("library/nginx", "1.27", two);

    assertThat(store.resolveTag("library/nginx", "1.27")).contains(two);
    assertThat(store.tags()).containsExactly(new TagInfo("library/nginx", "1.27", two));
  }

  @Test
  void untagRemovesOnlyThatTag() {
    store.tag("app", "a", one);
    store.tag("app", "b", one);

    assertThat(store.untag("app", "a")).isTrue();
    assertThat(store.untag("app", "a")).isFalse();

    assertThat(store.resolveTag("app", "a")).isEmpty();
    assertThat(store.resolveTag("app", "b")).contains(one);
    assertThat(store.hasManifest(one)).isTrue();
  }

  @Test
  void tagsListsSortedAndByRepository() {
    store.tag("b/app", "v1", two);
    store.tag("a", "latest", one);
    store.tag("a-b", "x", two);
    store.tag("a", "1.0", two);

    assertThat(store.tags())
        .extracting(TagInfo::reference)
        .containsExactly("a:1.0", "a:latest", "a-b:x", "b/app:v1");
    assertThat(store.tags("a"))
        .containsExactly(new TagInfo("a", "1.0", two), new TagInfo("a", "latest", one));
    assertThat(store.tags("missing")).isEmpty();
    assertThat(store.repositories()).containsExactly("a", "a-b", "b/app");
    assertThat(store.stats().repositories()).isEqualTo(3);
  }

  @Test
  void taggingUnknownManifestFailsWithManifestUnknown() {
    assertThatThrownBy(() -> store.tag("app", "v1", Digests.ABSENT))
        .isInstanceOf(StoreException.class)
        .satisfies(
            e ->
                assertThat(((StoreException) e).code())
                    .isEqualTo(StoreException.Code.MANIFEST_UNKNOWN))
        .hasMessageContaining("app:v1")
        .hasMessageContaining(Digests.ABSENT.toString());
    assertThat(store.tags()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({"'',v1", "'a b',v1", "a@x,v1", "app,''", "app,-bad", "app,a:b", "app,has space"})
  void tagRefusesInvalidNames(String repository, String tag) {
    assertThatThrownBy(() -> store.tag(repository, tag, one))
        .isInstanceOf(StoreException.class)
        .satisfies(
            e ->
                assertThat(((StoreException) e).code()).isEqualTo(StoreException.Code.NAME_INVALID))
        .hasMessageContaining("Tried to tag " + repository + ":" + tag);
    assertThat(store.tags()).isEmpty();
  }

  @Test
  void tagAcceptsRegistryHostWithPort() {
    store.tag("registry.local:5000/team/app", "v1.2_3-rc", one);

    assertThat(store.resolveTag("registry.local:5000/team/app", "v1.2_3-rc")).contains(one);
  }
}
