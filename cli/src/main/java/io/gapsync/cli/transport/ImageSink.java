package io.gapsync.cli.transport;

import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * Where images go: a local transport opened by {@link TransportRef#openSink()}. Write blobs and
 * manifests (children before the manifests that list them is customary but not required), name the
 * roots with {@link #addRoot}, then {@link #commit}. Closing without committing discards what was
 * written where that can be done safely: the archive's temporary file is deleted, a layout
 * directory created by this sink is removed; blobs added to a layout that already existed stay as
 * unreferenced content. Not thread-safe. After a failed write the sink only accepts {@link
 * #close()}.
 */
public interface ImageSink extends Closeable {

  /**
   * Returns true if the sink already holds the blob, so that it is not written again.
   *
   * @param d the digest
   * @throws IOException if the sink cannot be inspected safely (e.g. the blob is a symlink)
   */
  boolean hasBlob(Digest d) throws IOException;

  /**
   * Streams a blob into the sink, verifying its digest and size while writing; nothing partial
   * becomes visible. At most {@code d.size()} bytes (plus one, to detect overlong content) are
   * read. The caller closes {@code content}.
   *
   * @param d the blob's descriptor
   * @param content the content
   * @throws io.gapsync.protocol.ProtocolException with {@code DIGEST_MISMATCH} or {@code
   *     SIZE_MISMATCH} if the content does not match {@code d}
   * @throws IOException if writing fails
   */
  void putBlob(Descriptor d, InputStream content) throws IOException;

  /**
   * Writes a manifest's exact bytes (verified against {@code d}) as a blob.
   *
   * @param d the manifest's descriptor
   * @param bytes the exact bytes
   * @throws IOException if writing fails
   */
  void putManifest(Descriptor d, byte[] bytes) throws IOException;

  /**
   * Lists a root manifest in the sink's {@code index.json}, with the annotation {@code
   * org.opencontainers.image.ref.name} set to {@code refName}. An existing entry with the same ref
   * name is replaced on commit. The manifest must already be in the sink.
   *
   * @param root the root manifest's descriptor
   * @param refName the ref name (OCI ref grammar, e.g. {@code v1.2}), or null for none
   * @throws TransportException if the manifest is not in the sink or the name is invalid
   * @throws IOException if the sink cannot be inspected
   */
  void addRoot(Descriptor root, String refName) throws IOException;

  /**
   * Publishes: writes {@code index.json} atomically, or finishes the archive and moves it into
   * place. Call once; afterwards only {@link #close()} is allowed.
   *
   * @throws IOException if publishing fails (nothing is published then)
   */
  void commit() throws IOException;
}
