package io.gapsync.perf;

import io.gapsync.store.StoreOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Prepares the data of the million-blob benchmark; perf/run-benchmarks.sh then times the real
 * {@code gapsync inventory export} and {@code gapsync inventory missing} commands on it.
 *
 * <pre>
 * SyntheticStoreBench --store DIR --inventory FILE [--images N] [--layers N] [--seed S]
 *                     [--missing-every N] [--chunk-size BYTES]
 * </pre>
 *
 * <p>Builds the store (once: see {@link SyntheticStore}) and the site inventory (once: see {@link
 * SiteInventory}). The defaults give 10,000 images of one config and 99 layers: 1,000,000 blobs,
 * 10,000 manifests and tags; the site lacks every 100th image, so 1% of everything.
 */
public final class SyntheticStoreBench {

  /** Default number of images. */
  static final int IMAGES_DEFAULT = 10_000;

  /** Default number of layers per image (plus one config blob). */
  static final int LAYERS_DEFAULT = 99;

  /** Default seed of the layer contents. */
  static final long SEED_DEFAULT = 20240601L;

  /** Default: the site lacks every 100th image. */
  static final int MISSING_EVERY_DEFAULT = 100;

  /**
   * Default chunk size of the build, in bytes: the smallest the store accepts. The blobs are at
   * most 64 bytes, and each upload allocates a buffer of one chunk, so the 1 MiB default would only
   * add a megabyte of allocation per blob to the build time; the stored records are the same.
   */
  static final int CHUNK_SIZE_BYTES_DEFAULT = StoreOptions.CHUNK_SIZE_BYTES_MIN;

  private SyntheticStoreBench() {}

  /**
   * Runs the preparation.
   *
   * @param args see the class documentation
   * @throws IOException if reading or writing fails
   */
  public static void main(String[] args) throws IOException {
    Map<String, String> opts = parse(args);
    if (!opts.containsKey("--store") || !opts.containsKey("--inventory")) {
      usage("--store and --inventory are required");
    }
    SyntheticImages images =
        new SyntheticImages(
            intOption(opts, "--images", IMAGES_DEFAULT),
            intOption(opts, "--layers", LAYERS_DEFAULT),
            Long.parseLong(opts.getOrDefault("--seed", Long.toString(SEED_DEFAULT))));
    Path store = Path.of(opts.get("--store")).toAbsolutePath();
    Path inventory = Path.of(opts.get("--inventory")).toAbsolutePath();
    PrintStream log = System.err;
    boolean built =
        SyntheticStore.buildIfAbsent(
            store, images, intOption(opts, "--chunk-size", CHUNK_SIZE_BYTES_DEFAULT), log);
    if (built) {
      // An inventory of an earlier store would name other digests.
      java.nio.file.Files.deleteIfExists(inventory);
    }
    SiteInventory.writeIfAbsent(
        store, inventory, intOption(opts, "--missing-every", MISSING_EVERY_DEFAULT), log);
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> opts = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        usage("unexpected argument '" + args[i] + "'");
      }
      opts.put(args[i], args[++i]);
    }
    return opts;
  }

  private static int intOption(Map<String, String> opts, String name, int fallback) {
    String v = opts.get(name);
    try {
      return v == null ? fallback : Integer.parseInt(v);
    } catch (NumberFormatException e) {
      usage(name + " takes a whole number, got '" + v + "'");
      return fallback;
    }
  }

  private static void usage(String why) {
    System.err.println("SyntheticStoreBench: " + why);
    System.err.println(
        "usage: SyntheticStoreBench --store DIR --inventory FILE [--images N] [--layers N]"
            + " [--seed S] [--missing-every N] [--chunk-size BYTES]");
    System.exit(2);
  }
}
