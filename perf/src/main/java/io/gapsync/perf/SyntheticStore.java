package io.gapsync.perf;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import io.gapsync.store.PutResult;
import io.gapsync.store.Store;
import io.gapsync.store.StoreException;
import io.gapsync.store.StoreOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Builds the synthetic store through the public {@link Store} API, as an ingest would: every blob
 * with {@link Store#putBlob} (hashed and verified), then the manifest with {@link
 * Store#putManifest}, then the tag.
 *
 * <p>The build is cached: a marker file beside the store ({@code DIR.complete}) records that it
 * finished with the given parameters, and a later call with the same parameters returns at once. A
 * store folder without its marker (an interrupted build) is deleted and built again.
 */
final class SyntheticStore {

  private SyntheticStore() {}

  /**
   * Builds the store unless a complete one with the same parameters exists.
   *
   * @param dir the store folder
   * @param images what to put in it
   * @param chunkSizeBytes the store's chunk size for the build (see {@link StoreOptions})
   * @param log where progress goes
   * @return true if it was built, false if the cached one was kept
   * @throws IOException if reading or writing a file fails
   */
  static boolean buildIfAbsent(
      Path dir, SyntheticImages images, int chunkSizeBytes, PrintStream log) throws IOException {
    Path marker = markerOf(dir);
    String wanted = images + "\n";
    if (Files.isRegularFile(marker) && Files.readString(marker).equals(wanted) && opens(dir, log)) {
      log.println("Reusing the synthetic store at " + dir + " (" + images + ")");
      return false;
    }
    Files.deleteIfExists(marker);
    deleteTree(dir);
    long start = System.nanoTime();
    // Synced commits (an fsync per blob) would dominate the build; durability is not at stake.
    StoreOptions options =
        StoreOptions.defaults().withSyncWrites(false).withChunkSizeBytes(chunkSizeBytes);
    try (Store store = Store.open(dir, options, "bench-site-a")) {
      for (int i = 0; i < images.images(); i++) {
        putImage(store, images, i);
        if ((i + 1) % 500 == 0 || i + 1 == images.images()) {
          double s = (System.nanoTime() - start) / 1e9;
          long blobs = (long) (i + 1) * (images.layersPerImage() + 1);
          log.printf(
              "  %,d images, %,d blobs stored in %.1f s (%,.0f blobs/s)%n",
              i + 1, blobs, s, blobs / s);
        }
      }
    }
    // Opening read-write again replays the write-ahead log into table files, so that the
    // read-only opens being measured later start from a settled store.
    Store.open(dir, options).close();
    Files.writeString(marker, wanted);
    log.printf(
        "Built the synthetic store at %s in %.1f s%n", dir, (System.nanoTime() - start) / 1e9);
    return true;
  }

  /**
   * Returns true if this gapsync can open the cached store: one written by another store format
   * version is built again rather than failing every timed command.
   */
  private static boolean opens(Path dir, PrintStream log) {
    try (Store store = Store.open(dir, StoreOptions.defaults().asReadOnly())) {
      return store.siteId() != null;
    } catch (StoreException e) {
      log.println(
          "Cannot reuse the synthetic store at "
              + dir
              + " ("
              + e.getMessage()
              + "): building it again");
      return false;
    }
  }

  /** Returns the marker file that says the store at {@code dir} is complete. */
  static Path markerOf(Path dir) {
    return dir.resolveSibling(dir.getFileName() + ".complete");
  }

  private static void putImage(Store store, SyntheticImages images, int image) throws IOException {
    byte[] config = images.config(image);
    put(store, config);
    List<SyntheticImages.Blob> layers = new ArrayList<>(images.layersPerImage());
    for (int l = 0; l < images.layersPerImage(); l++) {
      byte[] layer = images.layer(image, l);
      layers.add(new SyntheticImages.Blob(put(store, layer), layer.length));
    }
    PutResult m =
        store.putManifest(SyntheticImages.manifest(config, layers), MediaTypes.OCI_MANIFEST);
    store.tag(SyntheticImages.REPOSITORY, SyntheticImages.tagOf(image), m.digest());
  }

  private static Digest put(Store store, byte[] content) throws IOException {
    Digest digest = Digest.sha256Of(content);
    store.putBlob(new ByteArrayInputStream(content), digest, content.length);
    return digest;
  }

  /** Deletes a folder and everything in it, if present. */
  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
