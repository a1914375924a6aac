package io.gapsync.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigestSetTest {

  /** Sizes around the chunk boundaries and the small-chunk growth steps. */
  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 15, 16, 17, 1000, 4095, 4096, 4097, 65_537})
  void containsAndSizeOfAgreeWithATreeMap(int n) {
    Random random = new Random(31L * n + 7);
    TreeMap<Digest, Long> expected = new TreeMap<>();
    for (Digest d : InventoryFixtures.randomDigests(random, n)) {
      expected.put(d, (long) random.nextInt(Integer.MAX_VALUE));
    }

    DigestSet set = build(expected);

    assertThat(set.size()).isEqualTo(n);
    assertThat(set.totalBytes())
        .isEqualTo(expected.values().stream().mapToLong(Long::longValue).sum());
    // One assertion per property, not per entry: AssertJ per entry dominates the run time.
    List<String> wrong = new ArrayList<>();
    int i = 0;
    for (Map.Entry<Digest, Long> e : expected.entrySet()) {
      if (!set.contains(e.getKey())
          || set.sizeOf(e.getKey()) != e.getValue()
          || set.indexOf(e.getKey()) != i) {
        wrong.add("present " + e.getKey());
      }
      i++;
    }
    for (int k = 0; k < 2000; k++) {
      Digest probe = InventoryFixtures.randomDigest(random);
      if (set.contains(probe) != expected.containsKey(probe)
          || set.sizeOf(probe) != expected.getOrDefault(probe, -1L)) {
        wrong.add("probe " + probe);
      }
    }
    assertThat(wrong).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 100, 9000})
  void digestAtListsEntriesInTreeMapOrder(int n) {
    Random random = new Random(n);
    TreeMap<Digest, Long> expected = new TreeMap<>();
    for (Digest d : InventoryFixtures.randomDigests(random, n)) {
      expected.put(d, random.nextLong(InventoryEntry.MAX_SIZE + 1));
    }

    DigestSet set = build(expected);

    List<Digest> digests = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    for (int i = 0; i < set.size(); i++) {
      digests.add(set.digestAt(i));
      sizes.add(set.sizeAt(i));
    }
    assertThat(digests).isEqualTo(new ArrayList<>(expected.keySet()));
    assertThat(sizes).isEqualTo(new ArrayList<>(expected.values()));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 50, 5000})
  void nearMissesAreAbsent(int n) {
    Random random = new Random(n * 13L);
    List<Digest> digests = InventoryFixtures.randomDigests(random, n);
    DigestSet.Builder builder = DigestSet.builder();
    digests.forEach(d -> builder.add(d, 1));
    DigestSet set = builder.build();

    Set<Digest> present = new HashSet<>(digests);
    List<Digest> wrong = new ArrayList<>();
    for (Digest d : digests) {
      byte[] raw = d.raw();
      raw[raw.length - 1] ^= 1;
      Digest lastBit = Digest.fromRaw(d.algorithm(), raw);
      raw = d.raw();
      raw[0] ^= (byte) 0x80;
      Digest firstBit = Digest.fromRaw(d.algorithm(), raw);
      for (Digest probe : List.of(lastBit, firstBit)) {
        if (set.contains(probe) != present.contains(probe)) {
          wrong.add(probe);
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void sameHexUnderTheOtherAlgorithmIsAbsent() {
    Digest sha256 = new Digest(DigestAlgorithm.SHA256, "ab".repeat(32));
    DigestSet set = DigestSet.builder().add(sha256, 5).build();

    assertThat(set.contains(new Digest(DigestAlgorithm.SHA512, "ab".repeat(64)))).isFalse();
  }

  @Test
  void emptySetHoldsNothing() {
    DigestSet set = DigestSet.empty();

    assertThat(set.isEmpty()).isTrue();
    assertThat(set.contains(InventoryFixtures.B1)).isFalse();
    assertThat(set.sizeOf(InventoryFixtures.B1)).isEqualTo(-1);
    assertThatThrownBy(() -> set.digestAt(0)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void digestAtRejectsIndexesOutOfRange() {
    DigestSet set = DigestSet.builder().add(InventoryFixtures.B1, 1).build();

    assertThatThrownBy(() -> set.digestAt(1))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("Index 1 out of bounds for 1");
    assertThatThrownBy(() -> set.sizeAt(-1)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void addRejectsUnsortedInput() {
    DigestSet.Builder builder = DigestSet.builder().add(InventoryFixtures.B2, 1);

    assertThatThrownBy(() -> builder.add(InventoryFixtures.B1, 1))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
        .hasMessage(
            "Tried to add "
                + InventoryFixtures.B1
                + " to a digest set but failed because it is"
                + " not sorted after the last entry: add entries in strictly ascending digest"
                + " order");
  }

  @Test
  void addRejectsDuplicatesAndSha256AfterSha512() {
    Digest sha512 = new Digest(DigestAlgorithm.SHA512, "0".repeat(128));
    DigestSet.Builder builder = DigestSet.builder().add(InventoryFixtures.B1, 1).add(sha512, 1);

    assertThatThrownBy(() -> builder.add(sha512, 1))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID);
    assertThatThrownBy(() -> builder.add(InventoryFixtures.B2, 1))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID);
    assertThat(builder.size()).isEqualTo(2);
  }

  @Test
  void addRejectsNegativeSizes() {
    assertThatThrownBy(() -> DigestSet.builder().add(InventoryFixtures.B1, -1))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
        .hasMessage(
            "Tried to add "
                + InventoryFixtures.B1
                + " to a digest set but failed because its"
                + " size -1 is outside 0..9007199254740992");
  }

  @Test
  void compareAtAgreesWithDigestOrderAcrossSets() {
    Random random = new Random(99);
    List<Digest> a = InventoryFixtures.randomDigests(random, 300);
    List<Digest> b = InventoryFixtures.randomDigests(random, 300);
    DigestSet setA = build(a);
    DigestSet setB = build(b);

    for (int k = 0; k < 3000; k++) {
      int i = random.nextInt(a.size());
      int j = random.nextInt(b.size());
      assertThat(Integer.signum(setA.compareAt(i, setB, j)))
          .isEqualTo(Integer.signum(a.get(i).compareTo(b.get(j))));
    }
    assertThat(setA.compareAt(7, setA, 7)).isZero();
  }

  private static DigestSet build(Map<Digest, Long> sorted) {
    DigestSet.Builder builder = DigestSet.builder();
    sorted.forEach(builder::add);
    return builder.build();
  }

  private static DigestSet build(List<Digest> sorted) {
    DigestSet.Builder builder = DigestSet.builder();
    sorted.forEach(d -> builder.add(d, 1));
    return builder.build();
  }
}
