package io.gapsync.cli.transport;

import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Manifest;
import io.gapsync.protocol.ManifestParser;
import io.gapsync.protocol.ProtocolException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an OCI image layout, from a directory ({@code oci:DIR[:REF]}) or from a tar of one ({@code
 * oci-archive:FILE[:REF]}). The {@code oci-layout} marker must say version 1.0.0; {@code
 * index.json} is parsed as an OCI index; REF selects the entries whose {@code
 * org.opencontainers.image.ref.name} equals it, no REF selects every entry. Content is read from
 * {@code blobs/<alg>/<hex>}.
 */
final class OciLayoutSource implements ImageSource {

  private final LayoutFiles files;
  private final String source;
  private final List<SourceImage> roots;

  /** Who listed each digest, for "missing" messages: "index.json" or "manifest sha256:...". */
  private final Map<Digest, String> listedBy = new HashMap<>();

  private OciLayoutSource(LayoutFiles files, String source, String ref) throws IOException {
    this.files = files;
    this.source = source;
    OciIndex.checkMarker(files, source);
    Manifest index = OciIndex.read(files, source);
    this.roots = List.copyOf(OciIndex.select(index, ref, source));
    for (SourceImage root : roots) {
      listedBy.put(root.descriptor().digest(), "index.json");
    }
  }

  /**
   * Opens a layout directory.
   *
   * @param dir the directory
   * @param ref the ref name to select, or null for all
   * @param source the description for messages
   * @return the source; the caller closes it
   */
  static OciLayoutSource openDirectory(Path dir, String ref, String source) throws IOException {
    return new OciLayoutSource(new DirectoryLayoutFiles(dir, source), source, ref);
  }

  /**
   * Opens a tar of a layout; symbolic links in it are refused.
   *
   * @param file the tar file
   * @param ref the ref name to select, or null for all
   * @param source the description for messages
   * @return the source; the caller closes it
   */
  static OciLayoutSource openArchive(Path file, String ref, String source) throws IOException {
    SafeTar tar = SafeTar.open(file, source, SafeTar.Links.REJECT);
    try {
      return new OciLayoutSource(tar, source, ref);
    } catch (IOException | RuntimeException e) {
      tar.close();
      throw e;
    }
  }

  @Override
  public String describe() {
    return source;
  }

  @Override
  public List<SourceImage> roots() {
    return roots;
  }

  @Override
  public byte[] readManifest(Descriptor d) throws IOException {
    String what = "manifest " + d.digest() + " from " + source;
    if (d.size() > ManifestParser.MAX_MANIFEST_BYTES) {
      throw TransportException.failed(
          TransportException.Code.CONTENT_INVALID,
          "read " + what,
          "its descriptor announces "
              + d.size()
              + " bytes, over the limit of "
              + ManifestParser.MAX_MANIFEST_BYTES,
          "gapsync refuses oversized manifests");
    }
    String name = locate(d, "manifest");
    byte[] bytes;
    try (InputStream in = files.open(name)) {
      bytes = Streams.readVerified(in, d, what);
    }
    // Parsing here only records which manifest lists which content, for messages; the caller
    // parses again for its own purposes.
    Manifest m = ManifestParser.parse(bytes, d.mediaType(), what);
    String by = "manifest " + d.digest();
    for (Descriptor child : m.isIndex() ? m.manifests() : m.blobReferences()) {
      listedBy.putIfAbsent(child.digest(), by);
    }
    return bytes;
  }

  @Override
  public InputStream openBlob(Descriptor d) throws IOException {
    return files.open(locate(d, "blob"));
  }

  @Override
  public void close() throws IOException {
    files.close();
  }

  /** Returns the blob's relative name after checking it exists with the announced size. */
  private String locate(Descriptor d, String kind) throws IOException {
    Digest digest = d.digest();
    String name = "blobs/" + digest.algorithm().id() + "/" + digest.hex();
    String by = listedBy.getOrDefault(digest, "its parent");
    long size = files.size(name);
    if (size < 0) {
      throw TransportException.failed(
          TransportException.Code.CONTENT_MISSING,
          "read " + kind + " " + digest,
          kind
              + " "
              + digest
              + " listed by "
              + by
              + " is missing from "
              + source
              + " ("
              + name
              + ")",
          "the layout is incomplete; copy the image into it again");
    }
    if (size != d.size()) {
      throw new ProtocolException(
          ProtocolException.Code.SIZE_MISMATCH,
          "Tried to read "
              + kind
              + " "
              + digest
              + " listed by "
              + by
              + " from "
              + source
              + " but failed because "
              + name
              + " has "
              + size
              + " bytes where "
              + d.size()
              + " were announced: the layout is corrupt; copy the image into it again");
    }
    return name;
  }
}
