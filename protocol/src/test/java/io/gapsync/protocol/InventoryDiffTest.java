package io.gapsync.protocol;

import static io.gapsync.protocol.InventoryFixtures.B1;
import static io.gapsync.protocol.InventoryFixtures.B2;
import static io.gapsync.protocol.InventoryFixtures.B3;
import static io.gapsync.protocol.InventoryFixtures.CREATED_AT;
import static io.gapsync.protocol.InventoryFixtures.M1;
import static io.gapsync.protocol.InventoryFixtures.M2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InventoryDiffTest {

  private static final Digest M3 = InventoryFixtures.digest('3');

  @Test
  void identicalInventoriesHaveAnEmptyDiff() {
    InventoryDiff diff =
        InventoryDiff.compute(InventoryFixtures.small(), InventoryFixtures.small());

    assertThat(diff.isEmpty()).isTrue();
    assertThat(diff.bytesOnlyInB()).isZero();
  }

  @Test
  void computeListsEntriesOnlyOneSideHolds() {
    Inventory a = inventory(List.of(M1), List.of(B1, B2), InventoryFixtures.tags());
    Inventory b = inventory(List.of(M1, M2), List.of(B2, B3), InventoryFixtures.tags());

    InventoryDiff diff = InventoryDiff.compute(a, b);

    assertThat(diff.blobsOnlyInA()).containsExactly(InventoryEntry.blob(B1, 10));
    assertThat(diff.blobsOnlyInB()).containsExactly(InventoryEntry.blob(B3, 10));
    assertThat(diff.manifestsOnlyInA()).isEmpty();
    assertThat(diff.manifestsOnlyInB())
        .containsExactly(InventoryEntry.manifest(M2, 10, MediaTypes.OCI_MANIFEST));
    assertThat(diff.bytesOnlyInB()).isEqualTo(20);
    assertThat(diff.isEmpty()).isFalse();
  }

  @Test
  void computeReportsTagsAddedRemovedAndMoved() {
    Inventory a =
        inventory(
            List.of(M1, M2),
            List.of(),
            InventoryFixtures.tags("app", "v1", M1, "app", "old", M1, "db", "v1", M2));
    Inventory b =
        inventory(
            List.of(M1, M2, M3),
            List.of(),
            InventoryFixtures.tags("app", "v1", M3, "app", "new", M2, "db", "v1", M2));

    InventoryDiff diff = InventoryDiff.compute(a, b);

    assertThat(diff.tagChanges())
        .containsExactly(
            new InventoryDiff.TagChange("app", "new", null, M2),
            new InventoryDiff.TagChange("app", "old", M1, null),
            new InventoryDiff.TagChange("app", "v1", M1, M3));
    assertThat(diff.tagChanges())
        .extracting(InventoryDiff.TagChange::kind)
        .containsExactly(
            InventoryDiff.TagChange.Kind.ADDED,
            InventoryDiff.TagChange.Kind.REMOVED,
            InventoryDiff.TagChange.Kind.MOVED);
    assertThat(diff.tagChanges().get(2).toString()).isEqualTo("moved app:v1 " + M1 + " -> " + M3);
  }

  @Test
  void computeReportsARepositoryPresentOnOneSideOnly() {
    Inventory a = inventory(List.of(M1), List.of(), InventoryFixtures.tags());
    Inventory b = inventory(List.of(M1), List.of(), InventoryFixtures.tags("new/repo", "t", M1));

    assertThat(InventoryDiff.compute(a, b).tagChanges())
        .containsExactly(new InventoryDiff.TagChange("new/repo", "t", null, M1));
    assertThat(InventoryDiff.compute(b, a).tagChanges())
        .containsExactly(new InventoryDiff.TagChange("new/repo", "t", M1, null));
  }

  @Test
  void computeReportsSizeConflictsInsteadOfMissingContent() {
    Inventory a =
        Inventory.of(
            header(InventoryFixtures.tags()), List.of(), List.of(InventoryEntry.blob(B1, 10)));
    Inventory b =
        Inventory.of(
            header(InventoryFixtures.tags()), List.of(), List.of(InventoryEntry.blob(B1, 11)));

    InventoryDiff diff = InventoryDiff.compute(a, b);

    assertThat(diff.sizeConflicts()).containsExactly(B1);
    assertThat(diff.blobsOnlyInA()).isEmpty();
    assertThat(diff.blobsOnlyInB()).isEmpty();
    assertThat(diff.isEmpty()).isFalse();
  }

  /** The diff agrees with set arithmetic, and the compact form with the object form. */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void computeAgreesWithSetArithmeticOnRandomInventories(long seed) {
    Random random = new Random(seed);
    List<Digest> universe = InventoryFixtures.randomDigests(random, 3000);
    List<Digest> inA = new ArrayList<>();
    List<Digest> inB = new ArrayList<>();
    for (Digest d : universe) {
      int r = random.nextInt(3);
      if (r != 1) {
        inA.add(d);
      }
      if (r != 2) {
        inB.add(d);
      }
    }
    Inventory a = inventory(List.of(), inA, InventoryFixtures.tags());
    Inventory b = inventory(List.of(), inB, InventoryFixtures.tags());

    InventoryDiff diff = InventoryDiff.compute(a, b);
    InventoryDiff compact = InventoryDiff.compute(CompactInventory.of(a), CompactInventory.of(b));

    List<Digest> onlyA = new ArrayList<>(inA);
    onlyA.removeAll(new HashSet<>(inB));
    List<Digest> onlyB = new ArrayList<>(inB);
    onlyB.removeAll(new HashSet<>(inA));
    assertThat(diff.blobsOnlyInA()).extracting(InventoryEntry::digest).isEqualTo(onlyA);
    assertThat(diff.blobsOnlyInB()).extracting(InventoryEntry::digest).isEqualTo(onlyB);
    assertThat(compact).isEqualTo(diff);
  }

  @Test
  void compactDiffOfManifestsHasNoMediaTypes() {
    Inventory a = inventory(List.of(M1), List.of(), InventoryFixtures.tags());
    Inventory b = inventory(List.of(M1, M2), List.of(), InventoryFixtures.tags());

    InventoryDiff diff = InventoryDiff.compute(CompactInventory.of(a), CompactInventory.of(b));

    assertThat(diff.manifestsOnlyInB()).containsExactly(InventoryEntry.blob(M2, 10));
  }

  @Test
  void tagChangeRejectsNoChange() {
    assertThatThrownBy(() -> new InventoryDiff.TagChange("app", "v1", M1, M1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("A tag change needs different before and after");
  }

  private static Inventory inventory(
      List<Digest> manifests,
      List<Digest> blobs,
      SortedMap<String, SortedMap<String, Digest>> tags) {
    return Inventory.of(
        header(tags),
        manifests.stream()
            .map(d -> InventoryEntry.manifest(d, 10, MediaTypes.OCI_MANIFEST))
            .toList(),
        blobs.stream().map(d -> InventoryEntry.blob(d, 10)).toList());
  }

  private static InventoryHeader header(SortedMap<String, SortedMap<String, Digest>> tags) {
    return InventoryHeader.of("site", CREATED_AT, tags, new TreeMap<>());
  }
}
