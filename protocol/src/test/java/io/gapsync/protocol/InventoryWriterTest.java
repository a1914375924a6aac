package io.gapsync.protocol;

import static io.gapsync.protocol.InventoryFixtures.B1;
import static io.gapsync.protocol.InventoryFixtures.B2;
import static io.gapsync.protocol.InventoryFixtures.CREATED_AT;
import static io.gapsync.protocol.InventoryFixtures.M1;
import static io.gapsync.protocol.InventoryFixtures.M2;
import static io.gapsync.protocol.InventoryFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InventoryWriterTest {

  private static final InventoryHeader HEADER =
      InventoryHeader.of("site-a", CREATED_AT, InventoryFixtures.tags("app", "v1", M1), null);

  @Test
  void writeProducesTheGoldenDocument() {
    assertThat(utf8(InventoryWriter.toBytes(InventoryFixtures.small())))
        .isEqualTo(InventoryFixtures.SMALL_JSON);
  }

  @Test
  void writeOfAnEmptyInventoryUsesEmptyBrackets() {
    assertThat(utf8(InventoryWriter.toBytes(InventoryFixtures.empty())))
        .isEqualTo(
            """
            {
              "format": "gapsync.inventory",
              "formatVersion": 1,
              "siteId": "site-a",
              "createdAt": "2026-01-02T03:04:05Z",
              "watermarks": {},
              "tags": {},
              "manifests": [],
              "blobs": []
            }
            """);
  }

  @Test
  void writeIsByteIdenticalForEqualInventories() {
    Inventory a = InventoryFixtures.random(new Random(7), 500, 50);
    Inventory b = InventoryFixtures.random(new Random(7), 500, 50);

    assertThat(InventoryWriter.toBytes(a)).isEqualTo(InventoryWriter.toBytes(b));
  }

  @Test
  void writeUsesLfLineEndingsOnlyAndEndsWithANewline() {
    String text = utf8(InventoryWriter.toBytes(InventoryFixtures.random(new Random(1), 20, 5)));

    assertThat(text).doesNotContain("\r").endsWith("}\n");
    assertThat(text.lines().filter(l -> l.startsWith("    {\"digest\":"))).hasSize(25);
  }

  @Test
  void streamingWriterMatchesTheConvenienceWriter() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    try (InventoryWriter w = InventoryWriter.begin(out, HEADER)) {
      w.manifest(M1, 10, MediaTypes.OCI_MANIFEST);
      w.blob(B1, 1);
      w.blob(B2, 2);
      w.finish();
    }

    Inventory expected =
        Inventory.of(
            HEADER,
            java.util.List.of(InventoryEntry.manifest(M1, 10, MediaTypes.OCI_MANIFEST)),
            java.util.List.of(InventoryEntry.blob(B1, 1), InventoryEntry.blob(B2, 2)));
    assertThat(out.toByteArray()).isEqualTo(InventoryWriter.toBytes(expected));
  }

  @Test
  void blobRejectsUnsortedInput() throws IOException {
    try (InventoryWriter w = InventoryWriter.begin(new ByteArrayOutputStream(), HEADER)) {
      w.manifest(M1, 10, MediaTypes.OCI_MANIFEST);
      w.blob(B2, 1);

      assertThatThrownBy(() -> w.blob(B1, 1))
          .isInstanceOf(ProtocolException.class)
          .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
          .hasMessage(
              "Tried to write the inventory of site site-a but failed because blob "
                  + B1
                  + " is not sorted after "
                  + B2
                  + ": entries must be given in strictly ascending digest order, without"
                  + " duplicates");
    }
  }

  @Test
  void manifestRejectsDuplicates() throws IOException {
    try (InventoryWriter w = InventoryWriter.begin(new ByteArrayOutputStream(), HEADER)) {
      w.manifest(M1, 10, MediaTypes.OCI_MANIFEST);

      assertThatThrownBy(() -> w.manifest(M1, 10, MediaTypes.OCI_MANIFEST))
          .isInstanceOf(ProtocolException.class)
          .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
          .hasMessageContaining("manifest " + M1 + " is not sorted after " + M1);
    }
  }

  @Test
  void blobsStartAFreshOrderAfterManifests() throws IOException {
    try (InventoryWriter w = InventoryWriter.begin(new ByteArrayOutputStream(), HEADER)) {
      w.manifest(M1, 10, MediaTypes.OCI_MANIFEST);
      w.manifest(M2, 10, MediaTypes.OCI_INDEX);
      w.blob(M1, 10);
      w.finish();
    }
  }

  @Test
  void manifestAfterBlobIsAnIllegalState() throws IOException {
    try (InventoryWriter w = InventoryWriter.begin(new ByteArrayOutputStream(), HEADER)) {
      w.manifest(M1, 10, MediaTypes.OCI_MANIFEST);
      w.blob(B1, 1);

      assertThatThrownBy(() -> w.manifest(M2, 10, MediaTypes.OCI_MANIFEST))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("Manifests must be written before blobs; state BLOBS");
    }
  }

  @Test
  void finishRejectsATagWhoseManifestWasNotWritten() throws IOException {
    try (InventoryWriter w = InventoryWriter.begin(new ByteArrayOutputStream(), HEADER)) {
      w.manifest(M2, 10, MediaTypes.OCI_MANIFEST);

      assertThatThrownBy(w::finish)
          .isInstanceOf(ProtocolException.class)
          .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
          .hasMessage(
              "Tried to write the inventory of site site-a but failed because a tag points at"
                  + " manifest "
                  + M1
                  + ", which was not written (1 tagged manifests missing)");
    }
  }

  @Test
  void manifestRejectsNegativeSizeAndBadMediaType() throws IOException {
    try (InventoryWriter w = InventoryWriter.begin(new ByteArrayOutputStream(), HEADER)) {
      assertThatThrownBy(() -> w.manifest(M1, -1, MediaTypes.OCI_MANIFEST))
          .isInstanceOf(ProtocolException.class)
          .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
          .hasMessage("Inventory entry " + M1 + " has size -1, outside 0..9007199254740992");
      assertThatThrownBy(() -> w.manifest(M1, 1, "text/plain; charset=utf-8"))
          .isInstanceOf(ProtocolException.class)
          .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
          .hasMessageContaining("has an invalid media type 'text/plain; charset=utf-8'");
    }
  }

  @Test
  void closeWithoutFinishLeavesADocumentTheReaderRejects() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InventoryWriter w = InventoryWriter.begin(out, HEADER)) {
      w.manifest(M1, 10, MediaTypes.OCI_MANIFEST);
    }

    assertThat(utf8(out.toByteArray())).doesNotEndWith("}\n");
    assertThatThrownBy(
            () -> new InventoryReader().read(new ByteArrayInputStream(out.toByteArray())))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
        .hasMessageContaining("it is truncated");
  }

  @Test
  void writeDoesNotCloseTheStream() throws IOException {
    boolean[] closed = {false};
    ByteArrayOutputStream out =
        new ByteArrayOutputStream() {
          @Override
          public void close() {
            closed[0] = true;
          }
        };

    InventoryWriter.write(InventoryFixtures.small(), out);

    assertThat(closed[0]).isFalse();
    assertThat(out.size()).isPositive();
  }
}
