package io.gapsync.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * Reads inventory documents (docs/FORMAT.md, "Inventory"), streaming and treating them as hostile:
 * the format and version are checked first and unknown versions refused, then every field must be
 * where the canonical writer puts it, every digest valid, every size a non-negative integer, every
 * list strictly ascending (so without duplicates), every tag must point at a listed manifest, and
 * the entry count must stay under a configured limit. Anything else is a {@link ProtocolException}
 * with {@code INVENTORY_INVALID} naming the entry and line.
 *
 * <p>{@link #read} builds an {@link Inventory} with an object per entry (about 150 bytes each);
 * {@link #readCompact} builds a {@link CompactInventory} (about 40 bytes per sha256 entry) without
 * ever creating the per-entry objects, for stores with millions of blobs.
 *
 * <p>The caller owns and closes the stream; the reader reads it to its end. Instances are immutable
 * and thread-safe.
 */
public final class InventoryReader {

  /** Default most entries (tags, watermarks, manifests and blobs together) a document may have. */
  public static final long MAX_ENTRIES_DEFAULT = 50_000_000L;

  private static final String STREAM = "from an input stream";

  private final long maxEntries;

  /** Creates a reader with {@link #MAX_ENTRIES_DEFAULT}. */
  public InventoryReader() {
    this(MAX_ENTRIES_DEFAULT);
  }

  /**
   * Creates a reader with an entry limit.
   *
   * @param maxEntries the most entries (tags, watermarks, manifests and blobs together) accepted
   * @throws IllegalArgumentException if not positive
   */
  public InventoryReader(long maxEntries) {
    if (maxEntries <= 0) {
      throw new IllegalArgumentException("maxEntries must be positive, got " + maxEntries);
    }
    this.maxEntries = maxEntries;
  }

  /** Returns the entry limit. */
  public long maxEntries() {
    return maxEntries;
  }

  /**
   * Reads a whole inventory into objects.
   *
   * @param in the document; not closed
   * @return the inventory
   * @throws ProtocolException with {@code INVENTORY_INVALID} if the document is not a valid
   *     canonical inventory of this version
   * @throws IOException if reading the stream fails
   */
  public Inventory read(InputStream in) throws IOException {
    return read(in, STREAM);
  }

  /**
   * Reads a whole inventory into objects.
   *
   * @param in the document; not closed
   * @param source where it comes from, for messages, e.g. a file name
   * @return the inventory
   * @throws ProtocolException with {@code INVENTORY_INVALID} if the document is not a valid
   *     canonical inventory of this version
   * @throws IOException if reading the stream fails
   */
  public Inventory read(InputStream in, String source) throws IOException {
    ListSink sink = new ListSink();
    InventoryHeader header = InventoryParser.parse(in, source, maxEntries, sink);
    return Inventory.of(header, sink.manifests, sink.blobs);
  }

  /**
   * Reads an inventory into its compact form.
   *
   * @param in the document; not closed
   * @return the compact inventory
   * @throws ProtocolException with {@code INVENTORY_INVALID} if the document is not a valid
   *     canonical inventory of this version
   * @throws IOException if reading the stream fails
   */
  public CompactInventory readCompact(InputStream in) throws IOException {
    return readCompact(in, STREAM);
  }

  /**
   * Reads an inventory into its compact form.
   *
   * @param in the document; not closed
   * @param source where it comes from, for messages, e.g. a file name
   * @return the compact inventory
   * @throws ProtocolException with {@code INVENTORY_INVALID} if the document is not a valid
   *     canonical inventory of this version
   * @throws IOException if reading the stream fails
   */
  public CompactInventory readCompact(InputStream in, String source) throws IOException {
    CompactSink sink = new CompactSink();
    InventoryHeader header = InventoryParser.parse(in, source, maxEntries, sink);
    return new CompactInventory(header, sink.manifests, sink.blobs.build());
  }

  /** Collects entries as objects. */
  private static final class ListSink implements InventoryParser.Sink {
    private static final Comparator<InventoryEntry> BY_DIGEST =
        Comparator.comparing(InventoryEntry::digest);

    final List<InventoryEntry> manifests = new ArrayList<>();
    final List<InventoryEntry> blobs = new ArrayList<>();

    @Override
    public void entry(DigestAlgorithm algorithm, long[] words, long size, String mediaType) {
      Digest digest = RawDigests.toDigest(algorithm, words, 0);
      (mediaType != null ? manifests : blobs).add(new InventoryEntry(digest, size, mediaType));
    }

    @Override
    public void manifestsDone() {}

    @Override
    public boolean hasManifest(Digest digest) {
      return Collections.binarySearch(manifests, InventoryEntry.blob(digest, 0), BY_DIGEST) >= 0;
    }
  }

  /** Collects entries into digest sets. */
  private static final class CompactSink implements InventoryParser.Sink {
    private DigestSet.Builder manifestsBuilder = DigestSet.builder();
    DigestSet manifests;
    final DigestSet.Builder blobs = DigestSet.builder();

    @Override
    public void entry(DigestAlgorithm algorithm, long[] words, long size, String mediaType) {
      DigestSet.Builder target = mediaType != null ? manifestsBuilder : blobs;
      if (!target.tryAdd(algorithm, words, size)) {
        throw new IllegalStateException("InventoryParser passed an entry out of order");
      }
    }

    @Override
    public void manifestsDone() {
      manifests = manifestsBuilder.build();
      manifestsBuilder = null;
    }

    @Override
    public boolean hasManifest(Digest digest) {
      return manifests.contains(digest);
    }
  }
}
