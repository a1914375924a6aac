package io.gapsync.daemon.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SeenDigests agrees with a HashSet on random digests, across growth and duplicates. */
class SeenDigestsTest {

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 511, 512, 513, 5_000, 70_000})
  void agreesWithAHashSet(int count) {
    Random random = new Random(count);
    SeenDigests seen = new SeenDigests();
    Set<Digest> reference = new HashSet<>();
    for (int i = 0; i < count; i++) {
      // Every third digest repeats an earlier one.
      Digest d =
          i % 3 == 2 && !reference.isEmpty()
              ? reference.iterator().next()
              : Digest.sha256Of(Integer.toString(random.nextInt(count + 1)));
      assertThat(seen.add(d)).isEqualTo(reference.add(d));
    }
    assertThat(seen.size()).isEqualTo(reference.size());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 100})
  void holdsSha512DigestsToo(int count) {
    SeenDigests seen = new SeenDigests();
    for (int i = 0; i < count; i++) {
      Digest d = Digest.parse("sha512:" + String.format("%0128x", i));
      assertThat(seen.add(d)).isTrue();
      assertThat(seen.add(d)).isFalse();
    }
    assertThat(seen.size()).isEqualTo(count);
  }
}
