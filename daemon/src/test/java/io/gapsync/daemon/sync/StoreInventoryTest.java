package io.gapsync.daemon.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Inventory;
import io.gapsync.protocol.InventoryEntry;
import io.gapsync.protocol.InventoryReader;
import io.gapsync.protocol.InventoryWriter;
import io.gapsync.protocol.MediaTypes;
import io.gapsync.store.Store;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inventory of a real store: complete, sorted, canonical, and readable by the reader. */
class StoreInventoryTest {

  @TempDir Path tmp;
  private Store store;

  @BeforeEach
  void open() {
    store = Images.open(tmp.resolve("store"), "site-a");
  }

  @AfterEach
  void close() {
    store.close();
  }

  private Inventory readBack(byte[] document) throws IOException {
    return new InventoryReader().read(new ByteArrayInputStream(document), "test inventory");
  }

  @Test
  void listsEveryTagManifestAndBlobWithItsSize() throws Exception {
    Images.Image amd = Images.image(store, Images.LINUX_AMD64, "base", "app amd64");
    Images.Image arm = Images.image(store, Images.LINUX_ARM64, "base", "app arm64 is longer");
    Descriptor index =
        Images.index(store, List.of(amd, arm), List.of(Images.LINUX_AMD64, Images.LINUX_ARM64));
    store.tag("apps/web", "1.0", index.digest());
    store.tag("apps/web", "latest", index.digest());
    store.tag("apps/web-amd64", "1.0", amd.manifest().digest());

    Inventory inv = readBack(Images.inventoryBytes(store));

    assertThat(inv.siteId()).isEqualTo("site-a");
    assertThat(inv.createdAt()).isEqualTo(Images.CREATED_AT);
    assertThat(inv.tags())
        .isEqualTo(
            Map.of(
                "apps/web", Map.of("1.0", index.digest(), "latest", index.digest()),
                "apps/web-amd64", Map.of("1.0", amd.manifest().digest())));
    assertThat(inv.manifests())
        .containsExactlyElementsOf(
            sorted(
                List.of(
                    InventoryEntry.manifest(index.digest(), index.size(), MediaTypes.OCI_INDEX),
                    InventoryEntry.manifest(
                        amd.manifest().digest(), amd.manifest().size(), MediaTypes.OCI_MANIFEST),
                    InventoryEntry.manifest(
                        arm.manifest().digest(), arm.manifest().size(), MediaTypes.OCI_MANIFEST))));
    // Two configs, the shared base layer once, two app layers.
    List<InventoryEntry> blobs = new ArrayList<>();
    for (Descriptor d :
        List.of(
            amd.config(),
            arm.config(),
            amd.layers().get(0),
            amd.layers().get(1),
            arm.layers().get(1))) {
      blobs.add(InventoryEntry.blob(d.digest(), d.size()));
    }
    assertThat(inv.blobs()).containsExactlyElementsOf(sorted(blobs));
  }

  @Test
  void listsContentNoTagReaches() throws Exception {
    Images.Image untagged = Images.image(store, "kept until gc");

    Inventory inv = readBack(Images.inventoryBytes(store));

    assertThat(inv.tags()).isEmpty();
    assertThat(inv.manifests())
        .extracting(InventoryEntry::digest)
        .containsExactly(untagged.manifest().digest());
    assertThat(inv.blobs()).hasSize(2);
  }

  @Test
  void sameStoreAndInstantGiveByteIdenticalCanonicalDocuments() throws Exception {
    Images.Image a = Images.image(store, "one", "two");
    Images.Image b = Images.image(store, "three");
    store.tag("x/a", "1", a.manifest().digest());
    store.tag("x/b", "1", b.manifest().digest());

    byte[] first = Images.inventoryBytes(store);
    byte[] second = Images.inventoryBytes(store);

    assertThat(second).isEqualTo(first);
    // Canonical: what the reader reads, the writer writes back to the same bytes.
    assertThat(InventoryWriter.toBytes(readBack(first))).isEqualTo(first);
    String text = new String(first, StandardCharsets.UTF_8);
    assertThat(text)
        .startsWith("{\n  \"format\": \"gapsync.inventory\",\n  \"formatVersion\": 1,\n")
        .endsWith("}\n");
  }

  @Test
  void emptyStoreGivesAValidEmptyInventory() throws Exception {
    byte[] document = Images.inventoryBytes(store);

    Inventory inv = readBack(document);

    assertThat(inv.siteId()).isEqualTo("site-a");
    assertThat(inv.tags()).isEmpty();
    assertThat(inv.manifests()).isEmpty();
    assertThat(inv.blobs()).isEmpty();
    assertThat(new String(document, StandardCharsets.UTF_8))
        .contains("\"tags\": {}")
        .contains("\"manifests\": []")
        .contains("\"blobs\": []");
  }

  @Test
  void writesTheWatermarksAndWholeSecondsGiven() throws Exception {
    TreeMap<String, Long> watermarks = new TreeMap<>(Map.of("depot-1", 17L, "depot-2", 0L));
    var out = new java.io.ByteArrayOutputStream();

    StoreInventory.write(store, out, Instant.parse("2026-03-04T05:06:07.891Z"), watermarks);

    Inventory inv = readBack(out.toByteArray());
    assertThat(inv.watermarks()).isEqualTo(watermarks);
    assertThat(inv.createdAt()).isEqualTo(Instant.parse("2026-03-04T05:06:07Z"));
  }

  @Test
  void aFailingStreamRaisesItsIOException() {
    // Enough entries (about 100 bytes each) that the writer flushes while it visits the store.
    for (int i = 0; i < 200; i++) {
      Images.layer(store, "layer " + i);
    }
    OutputStream broken =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            throw new IOException("disk full");
          }
        };

    assertThatThrownBy(
            () -> StoreInventory.write(store, broken, Images.CREATED_AT, new TreeMap<>()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("disk full");
  }

  private static List<InventoryEntry> sorted(List<InventoryEntry> entries) {
    List<InventoryEntry> out = new ArrayList<>(entries);
    out.sort(Comparator.comparing(InventoryEntry::digest, Comparator.comparing(Digest::toString)));
    return out;
  }
}
