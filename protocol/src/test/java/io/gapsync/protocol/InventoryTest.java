package io.gapsync.protocol;

import static io.gapsync.protocol.InventoryFixtures.B1;
import static io.gapsync.protocol.InventoryFixtures.B2;
import static io.gapsync.protocol.InventoryFixtures.CREATED_AT;
import static io.gapsync.protocol.InventoryFixtures.M1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InventoryTest {

  @Test
  void constructorTruncatesCreationTimeToSeconds() {
    assertThat(InventoryFixtures.small().createdAt()).isEqualTo(CREATED_AT);
  }

  @Test
  void constructorRejectsUnsortedBlobs() {
    assertThatThrownBy(
            () ->
                Inventory.of(
                    header(),
                    List.of(),
                    List.of(InventoryEntry.blob(B2, 1), InventoryEntry.blob(B1, 1))))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
        .hasMessage(
            "Tried to create an inventory but failed because entry 2 of 'blobs' ("
                + B1
                + ") is not sorted after "
                + B2
                + ": entries must be strictly ascending by digest, without duplicates");
  }

  @Test
  void constructorRejectsABlobWithAMediaTypeAndAManifestWithout() {
    assertThatThrownBy(
            () ->
                Inventory.of(
                    header(),
                    List.of(),
                    List.of(new InventoryEntry(B1, 1, MediaTypes.OCI_MANIFEST))))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
        .hasMessageEndingWith("has a media type, which only manifests carry");
    assertThatThrownBy(() -> Inventory.of(header(), List.of(InventoryEntry.blob(B1, 1)), List.of()))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
        .hasMessageEndingWith("has no media type");
  }

  @Test
  void constructorRejectsATagWhoseManifestIsNotListed() {
    InventoryHeader header =
        InventoryHeader.of("s", CREATED_AT, InventoryFixtures.tags("app", "v1", M1), null);

    assertThatThrownBy(() -> Inventory.of(header, List.of(), List.of()))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
        .hasMessage(
            "Tried to create an inventory but failed because a tag points at manifest "
                + M1
                + ", which 'manifests' does not list");
  }

  @Test
  void constructorRefusesOtherFormatVersions() {
    assertThatThrownBy(() -> new Inventory(2, "s", CREATED_AT, List.of(), List.of(), null, null))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
        .hasMessageContaining(
            "inventory format version 2 is newer than this gapsync understands (1)");
  }

  @Test
  void headerCopiesMapsIntoNaturalOrderWhateverTheirComparator() {
    SortedMap<String, Long> reversed = new TreeMap<>(Comparator.reverseOrder());
    reversed.putAll(Map.of("a", 1L, "b", 2L));

    InventoryHeader header = InventoryHeader.of("s", CREATED_AT, null, reversed);

    assertThat(header.watermarks().keySet()).containsExactly("a", "b");
    assertThat(header.watermarks().comparator()).isNull();
  }

  @Test
  void headerMapsAreUnmodifiable() {
    InventoryHeader header =
        InventoryHeader.of("s", CREATED_AT, InventoryFixtures.tags("app", "v1", M1), null);

    assertThatThrownBy(() -> header.tags().get("app").put("v2", M1))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "has space", "slash/no", "\u00e9t\u00e9"})
  void headerRejectsInvalidSiteIds(String siteId) {
    assertThatThrownBy(() -> InventoryHeader.of(siteId, CREATED_AT, null, null))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
        .hasMessage(
            "Tried to create an inventory header but failed because its site id '"
                + siteId
                + "' does not match "
                + InventoryHeader.SITE_ID_GRAMMAR);
  }

  @Test
  void headerAccepts128CharacterSiteIdsAndRejects129() {
    assertThat(InventoryHeader.of("s".repeat(128), CREATED_AT, null, null).siteId()).hasSize(128);
    assertThatThrownBy(() -> InventoryHeader.of("s".repeat(129), CREATED_AT, null, null))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID);
  }

  @Test
  void headerRejectsTimesOutsideFourDigitYearsSince1970() {
    assertThatThrownBy(
            () -> InventoryHeader.of("s", Instant.parse("+10000-01-01T00:00:00Z"), null, null))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
        .hasMessageContaining("outside 1970..9999");
  }

  @Test
  void headerRejectsInvalidRepositoriesTagsAndNegativeWatermarks() {
    assertThatThrownBy(
            () -> InventoryHeader.of("s", CREATED_AT, InventoryFixtures.tags("Up", "v", M1), null))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
        .hasMessageContaining("repository 'Up'");
    assertThatThrownBy(
            () -> InventoryHeader.of("s", CREATED_AT, InventoryFixtures.tags("up", "-v", M1), null))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
        .hasMessageContaining("tag 'up:-v' does not match");
    assertThatThrownBy(
            () -> InventoryHeader.of("s", CREATED_AT, null, new TreeMap<>(Map.of("p", -1L))))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
        .hasMessageContaining("the watermark of producer 'p' is -1");
  }

  @Test
  void entryRejectsSizesOver2To53() {
    assertThatThrownBy(() -> InventoryEntry.blob(B1, InventoryEntry.MAX_SIZE + 1))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
        .hasMessage(
            "Inventory entry " + B1 + " has size 9007199254740993, outside 0..9007199254740992");
  }

  private static InventoryHeader header() {
    return InventoryHeader.of("s", CREATED_AT, null, null);
  }
}
