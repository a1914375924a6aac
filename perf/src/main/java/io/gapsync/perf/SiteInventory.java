package io.gapsync.perf;

import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.InventoryHeader;
import io.gapsync.protocol.InventoryWriter;
import io.gapsync.protocol.Manifest;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import io.gapsync.store.TagInfo;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Writes the inventory of a second, offline site that holds most of the synthetic store: every
 * image except each {@code missingEvery}-th one (whose manifest, config, layers and tag it lacks),
 * so {@code gapsync inventory missing} has a realistic 1% to find among a million entries.
 *
 * <p>Written with {@link InventoryWriter} straight from the store's sorted iteration, so it needs
 * memory only for the set of absent digests. The file is written to a temporary name and moved into
 * place, and an existing file is kept (the store it derives from is cached too).
 */
final class SiteInventory {

  /** The site id of the offline site. */
  static final String SITE_ID = "bench-site-b";

  private SiteInventory() {}

  /**
   * Writes the inventory unless the file exists.
   *
   * @param storeDir the synthetic store, complete
   * @param out the inventory file
   * @param missingEvery the site lacks image {@code i} when {@code i % missingEvery == 0}
   * @param log where progress goes
   * @throws IOException if reading the store or writing the file fails
   */
  static void writeIfAbsent(Path storeDir, Path out, int missingEvery, PrintStream log)
      throws IOException {
    if (Files.isRegularFile(out)) {
      log.println("Reusing the site inventory " + out);
      return;
    }
    long start = System.nanoTime();
    Set<Digest> absent = new HashSet<>();
    SortedMap<String, SortedMap<String, Digest>> tags = new TreeMap<>();
    long[] counts = new long[2];
    try (Store store = Store.open(storeDir, StoreOptions.defaults().asReadOnly())) {
      for (TagInfo t : store.tags()) {
        int image = Integer.parseInt(t.tag().substring("img-".length()));
        if (image % missingEvery == 0) {
          absent.add(t.digest());
          Manifest m = store.manifest(t.digest()).orElseThrow();
          for (Descriptor d : m.blobReferences()) {
            absent.add(d.digest());
          }
        } else {
          tags.computeIfAbsent(t.repository(), r -> new TreeMap<>()).put(t.tag(), t.digest());
        }
      }
      InventoryHeader header = InventoryHeader.of(SITE_ID, Instant.now(), tags, new TreeMap<>());
      Path tmp =
          Files.createTempFile(out.toAbsolutePath().getParent(), ".site-inventory-", ".partial");
      try {
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
            InventoryWriter w = InventoryWriter.begin(os, header)) {
          store.forEachManifest(
              m -> {
                if (!absent.contains(m.digest())) {
                  unchecked(() -> w.manifest(m.digest(), m.size(), m.mediaType()));
                  counts[0]++;
                }
              });
          store.forEachBlob(
              b -> {
                if (!absent.contains(b.digest())) {
                  unchecked(() -> w.blob(b.digest(), b.size()));
                  counts[1]++;
                }
              });
          w.finish();
        } catch (UncheckedIOException e) {
          throw e.getCause();
        }
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
    }
    log.printf(
        "Wrote the inventory of site %s (%,d manifests, %,d blobs; lacks %,d digests) to %s in %.1f"
            + " s%n",
        SITE_ID, counts[0], counts[1], absent.size(), out, (System.nanoTime() - start) / 1e9);
  }

  /** A write that may fail with an {@link IOException}. */
  private interface IoAction {
    void run() throws IOException;
  }

  private static void unchecked(IoAction action) {
    try {
      action.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
