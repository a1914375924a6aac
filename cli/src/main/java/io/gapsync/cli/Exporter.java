package io.gapsync.cli;

import io.gapsync.cli.transport.ImageSink;
import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Manifest;
import io.gapsync.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Copies an image from the store into an {@link ImageSink} bit for bit: the manifests' exact bytes
 * and every blob, so the image keeps the digests it was added with. Blobs the sink holds already
 * are not written again.
 */
final class Exporter {

  /** Opens a blob's content; the caller closes the stream. */
  @FunctionalInterface
  interface BlobReader {
    /** Opens the blob. */
    InputStream open(Digest digest) throws IOException;
  }

  private final Store store;
  private final BlobReader blobs;

  /** An exporter reading everything from the store. */
  Exporter(Store store) {
    this(store, store::openBlob);
  }

  /**
   * An exporter reading manifests from the store and blob content through {@code blobs} (the
   * daemon's admin socket while a daemon holds the store: see {@link GetCommand}).
   */
  Exporter(Store store, BlobReader blobs) {
    this.store = store;
    this.blobs = blobs;
  }

  /**
   * Writes an image and everything it references, then records it as a root of the sink.
   *
   * @param root the top manifest (an index or an image manifest)
   * @param sink the destination; the caller commits and closes it
   * @param refName the name to record it under in the sink, or null
   * @return the number of bytes of blobs written
   * @throws IOException if the sink fails
   */
  long run(Digest root, ImageSink sink, String refName) throws IOException {
    Map<Digest, Manifest> manifests = new LinkedHashMap<>();
    collect(root, manifests, 0);
    long total = 0;
    for (Manifest m : manifests.values()) {
      for (Descriptor d : m.blobReferences()) {
        total += d.size();
      }
    }
    long written = 0;
    try (Progress progress = Progress.onTerminal("Writing " + root.shortHex(), total)) {
      for (Manifest m : manifests.values()) {
        for (Descriptor d : m.blobReferences()) {
          if (!sink.hasBlob(d.digest())) {
            try (InputStream in = blobs.open(d.digest())) {
              sink.putBlob(d, in);
            }
            written += d.size();
          }
          progress.advance(d.size());
        }
      }
      for (Manifest m : manifests.values()) {
        sink.putManifest(m.descriptor(), m.bytes());
      }
    }
    Manifest top = manifests.get(root);
    sink.addRoot(top.descriptor(), refName);
    return written;
  }

  private void collect(Digest d, Map<Digest, Manifest> out, int depth) {
    if (out.containsKey(d)) {
      return;
    }
    Manifest m = store.requireManifest(d);
    if (depth > 4) {
      throw new CliException("Tried to export " + d + " but its indexes nest deeper than 4 levels");
    }
    for (Descriptor child : m.manifestReferences()) {
      collect(child.digest(), out, depth + 1);
    }
    out.put(d, m);
  }
}
