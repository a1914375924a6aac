package io.gapsync.protocol;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.SortedMap;
import java.util.TreeSet;

/**
 * Writes an inventory document canonically, streaming, so that the inventory of a store with
 * millions of blobs never has to be in memory. The layout is fixed (docs/FORMAT.md, "Inventory"):
 * the same inventory always gives the same bytes.
 *
 * <pre>{@code
 * try (InventoryWriter w = InventoryWriter.begin(out, header)) {
 *   w.manifest(digest, size, mediaType); // ascending digest order
 *   w.blob(digest, size);                // ascending digest order, after all manifests
 *   w.finish();
 * }
 * }</pre>
 *
 * <p>Entries must come in strictly ascending digest order, manifests before blobs; the writer
 * checks this and that every tag of the header points at a manifest written. A writer that threw
 * must be closed and its output discarded: {@link #close()} without {@link #finish()} leaves a
 * truncated document that {@link InventoryReader} rejects, never a valid-looking partial one.
 *
 * <p>The caller owns and closes the output stream; pass a buffered one. Not thread-safe.
 */
public final class InventoryWriter implements Closeable {

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
          // Closing an unfinished writer must not complete the document.
          .disable(StreamWriteFeature.AUTO_CLOSE_CONTENT)
          // Pinned, not left to a default that differs between Jackson versions: bytes must not.
          .disable(JsonWriteFeature.ESCAPE_FORWARD_SLASHES)
          .disable(JsonWriteFeature.ESCAPE_NON_ASCII)
          .build();

  private enum State {
    MANIFESTS,
    BLOBS,
    FINISHED,
    CLOSED
  }

  private final JsonGenerator gen;
  private final String siteId;
  private final TreeSet<Digest> tagTargets = new TreeSet<>();
  private State state = State.MANIFESTS;
  private Digest previous;

  private InventoryWriter(JsonGenerator gen, InventoryHeader header) {
    this.gen = gen;
    this.siteId = header.siteId();
    for (SortedMap<String, Digest> repoTags : header.tags().values()) {
      tagTargets.addAll(repoTags.values());
    }
  }

  /**
   * Starts a document: writes the header and opens the manifests list.
   *
   * @param out the stream to write to; not closed by the writer
   * @param header the header
   * @return the writer, ready for {@link #manifest}
   * @throws IOException if writing fails
   */
  public static InventoryWriter begin(OutputStream out, InventoryHeader header) throws IOException {
    JsonGenerator gen = FACTORY.createGenerator(out, JsonEncoding.UTF8);
    gen.setPrettyPrinter(new InventoryPrettyPrinter());
    InventoryWriter writer = new InventoryWriter(gen, header);
    gen.writeStartObject();
    gen.writeStringField("format", Inventory.FORMAT);
    gen.writeNumberField("formatVersion", header.formatVersion());
    gen.writeStringField("siteId", header.siteId());
    // Whole seconds and years 1970..9999 (InventoryHeader), so always yyyy-MM-ddTHH:mm:ssZ.
    gen.writeStringField("createdAt", header.createdAt().toString());
    gen.writeObjectFieldStart("watermarks");
    for (var e : header.watermarks().entrySet()) {
      gen.writeNumberField(e.getKey(), e.getValue());
    }
    gen.writeEndObject();
    gen.writeObjectFieldStart("tags");
    for (var repo : header.tags().entrySet()) {
      gen.writeObjectFieldStart(repo.getKey());
      for (var tag : repo.getValue().entrySet()) {
        gen.writeStringField(tag.getKey(), tag.getValue().toString());
      }
      gen.writeEndObject();
    }
    gen.writeEndObject();
    gen.writeArrayFieldStart("manifests");
    return writer;
  }

  /**
   * Writes a whole inventory.
   *
   * @param inventory the inventory
   * @param out the stream to write to; flushed, not closed
   * @throws IOException if writing fails
   */
  public static void write(Inventory inventory, OutputStream out) throws IOException {
    try (InventoryWriter w = begin(out, inventory.header())) {
      for (InventoryEntry e : inventory.manifests()) {
        w.manifest(e.digest(), e.size(), e.mediaType());
      }
      for (InventoryEntry e : inventory.blobs()) {
        w.blob(e.digest(), e.size());
      }
      w.finish();
    }
  }

  /** Returns the canonical document of an inventory, for small inventories and tests. */
  public static byte[] toBytes(Inventory inventory) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      write(inventory, out);
    } catch (IOException e) {
      throw new UncheckedIOException("ByteArrayOutputStream does not fail", e);
    }
    return out.toByteArray();
  }

  /**
   * Writes a manifest entry.
   *
   * @param digest the digest, greater than the last manifest's
   * @param size the size in bytes
   * @param mediaType the manifest media type
   * @throws ProtocolException with {@code INVENTORY_INVALID} if out of order or invalid
   * @throws IllegalStateException if blobs were written already, or the writer is finished
   * @throws IOException if writing fails
   */
  public void manifest(Digest digest, long size, String mediaType) throws IOException {
    if (state != State.MANIFESTS) {
      throw new IllegalStateException("Manifests must be written before blobs; state " + state);
    }
    InventoryEntry entry = InventoryEntry.manifest(digest, size, mediaType);
    checkOrder(digest, "manifest");
    writeEntry(entry);
    tagTargets.remove(digest);
  }

  /**
   * Writes a blob entry.
   *
   * @param digest the digest, greater than the last blob's
   * @param size the size in bytes
   * @throws ProtocolException with {@code INVENTORY_INVALID} if out of order or invalid, or, at the
   *     first blob, if a tag's manifest was not written
   * @throws IllegalStateException if the writer is finished or closed
   * @throws IOException if writing fails
   */
  public void blob(Digest digest, long size) throws IOException {
    endManifests();
    InventoryEntry entry = InventoryEntry.blob(digest, size);
    checkOrder(digest, "blob");
    writeEntry(entry);
  }

  /**
   * Completes the document and flushes it.
   *
   * @throws ProtocolException with {@code INVENTORY_INVALID} if a tag's manifest is missing
   * @throws IllegalStateException if the writer is finished or closed
   * @throws IOException if writing fails
   */
  public void finish() throws IOException {
    endManifests();
    gen.writeEndArray();
    gen.writeEndObject();
    gen.writeRaw('\n');
    gen.flush();
    state = State.FINISHED;
  }

  /** Releases the writer and flushes what was written; does not close the output stream. */
  @Override
  public void close() throws IOException {
    if (state != State.CLOSED) {
      state = State.CLOSED;
      gen.close();
    }
  }

  /** Closes the manifests list once, checking the tags, and opens the blobs list. */
  private void endManifests() throws IOException {
    if (state == State.MANIFESTS) {
      if (!tagTargets.isEmpty()) {
        throw invalid(
            "a tag points at manifest "
                + tagTargets.first()
                + ", which was not written"
                + " ("
                + tagTargets.size()
                + " tagged manifests missing)");
      }
      gen.writeEndArray();
      gen.writeArrayFieldStart("blobs");
      state = State.BLOBS;
      previous = null;
    }
    if (state != State.BLOBS) {
      throw new IllegalStateException("The inventory writer is " + state);
    }
  }

  private void checkOrder(Digest digest, String kind) {
    if (previous != null && previous.compareTo(digest) >= 0) {
      throw invalid(
          kind
              + " "
              + digest
              + " is not sorted after "
              + previous
              + ": entries must be given in strictly ascending digest order, without duplicates");
    }
    previous = digest;
  }

  private void writeEntry(InventoryEntry entry) throws IOException {
    gen.writeStartObject();
    gen.writeStringField("digest", entry.digest().toString());
    gen.writeNumberField("size", entry.size());
    if (entry.mediaType() != null) {
      gen.writeStringField("mediaType", entry.mediaType());
    }
    gen.writeEndObject();
  }

  private ProtocolException invalid(String why) {
    return new ProtocolException(
        ProtocolException.Code.INVENTORY_INVALID,
        "Tried to write the inventory of site " + siteId + " but failed because " + why);
  }
}
