package io.gapsync.daemon.sync;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.InventoryHeader;
import io.gapsync.protocol.InventoryWriter;
import io.gapsync.store.Store;
import io.gapsync.store.TagInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Writes the inventory manifest of a store: its site id, the time, every tag, every manifest and
 * every blob with its size, in the canonical form of {@link InventoryWriter}. Streams straight from
 * the store's sorted column families, so a store of a million blobs needs no more heap than one
 * entry.
 */
public final class StoreInventory {

  private StoreInventory() {}

  /**
   * Writes the inventory.
   *
   * @param store the store
   * @param out where to write it; not closed
   * @param createdAt the time to record (inject a clock in tests)
   * @param watermarks producer id to highest archive sequence applied (empty until archives exist)
   * @throws IOException if writing fails
   */
  public static void write(
      Store store, OutputStream out, Instant createdAt, SortedMap<String, Long> watermarks)
      throws IOException {
    SortedMap<String, SortedMap<String, Digest>> tags = new TreeMap<>();
    for (TagInfo t : store.tags()) {
      tags.computeIfAbsent(t.repository(), r -> new TreeMap<>()).put(t.tag(), t.digest());
    }
    InventoryHeader header = InventoryHeader.of(store.siteId(), createdAt, tags, watermarks);
    InventoryWriter writer = InventoryWriter.begin(out, header);
    try {
      store.forEachManifest(
          m -> {
            try {
              writer.manifest(m.digest(), m.size(), m.mediaType());
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
      store.forEachBlob(
          b -> {
            try {
              writer.blob(b.digest(), b.size());
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    writer.finish();
  }
}
