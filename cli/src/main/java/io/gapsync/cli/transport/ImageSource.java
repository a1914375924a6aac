package io.gapsync.cli.transport;

import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.ManifestParser;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Where images come from: a local transport opened by {@link TransportRef#openSource()}. The caller
 * closes the source, which releases its files; streams returned by {@link #openBlob} must be closed
 * before the source. Not thread-safe.
 */
public interface ImageSource extends Closeable {

  /** Returns a description for messages, e.g. {@code oci:/tmp/layout:v1}. */
  String describe();

  /**
   * Returns the root manifests selected by the source reference, in source order: each with the ref
   * name (tag) it had in the source, which may be null.
   */
  List<SourceImage> roots();

  /**
   * Reads a manifest's exact bytes, bounded to {@link ManifestParser#MAX_MANIFEST_BYTES}.
   *
   * @param d the manifest's descriptor (a root, or a child of an index read earlier)
   * @return the bytes, verified against the digest and size of {@code d}
   * @throws TransportException if the manifest is missing or cannot be read safely
   * @throws io.gapsync.protocol.ProtocolException with {@code DIGEST_MISMATCH} or {@code
   *     SIZE_MISMATCH} if the stored bytes do not match {@code d}
   * @throws IOException if reading fails
   */
  byte[] readManifest(Descriptor d) throws IOException;

  /**
   * Opens a blob (config or layer) as a stream. The source checks that the blob exists and has the
   * announced size; the CALLER hashes and verifies the content (with {@link
   * io.gapsync.protocol.DigestingInputStream}) while it streams it on, and closes the stream.
   *
   * @param d the blob's descriptor, as listed by a manifest read through this source
   * @return a stream of exactly the stored blob
   * @throws TransportException if the blob is missing or cannot be read safely
   * @throws IOException if opening fails
   */
  InputStream openBlob(Descriptor d) throws IOException;
}
