package io.gapsync.cli.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import io.gapsync.protocol.DigestingInputStream;
import io.gapsync.protocol.Json;
import io.gapsync.protocol.ManifestParser;
import io.gapsync.protocol.MediaTypes;
import io.gapsync.protocol.ProtocolException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads a docker-archive ({@code docker save} or skopeo format) and presents each image as an OCI
 * image manifest that gapsync generates itself, deterministically: the archive holds no manifest,
 * only {@code manifest.json}, a config file and layer files (uncompressed tars, or gzip recognised
 * by the magic bytes {@code 1f 8b}). A layer's digest is the sha256 of the file as stored, so every
 * layer is hashed once, streaming, when the source opens; gzip layers are decompressed in the same
 * pass. Each layer's uncompressed digest must equal the config's {@code rootfs.diff_ids} entry,
 * which catches a corrupt or mismatched archive before anything is copied.
 */
final class DockerArchiveSource implements ImageSource {

  /** Largest manifest.json or config accepted, in bytes. */
  static final int MAX_METADATA_BYTES = 4 * 1024 * 1024;

  private static final int BUFFER_BYTES = 64 * 1024;

  /** What the up-front scan learned about one layer file. */
  private record Layer(String entry, Digest digest, long size, boolean gzip, Digest diffId) {}

  private final SafeTar tar;
  private final String source;
  private final List<SourceImage> roots = new ArrayList<>();
  private final Map<Digest, byte[]> manifests = new HashMap<>();
  private final Map<Digest, String> blobs = new HashMap<>();
  private final Map<String, Layer> scanned = new HashMap<>();

  private DockerArchiveSource(SafeTar tar, String ref, String source) throws IOException {
    this.tar = tar;
    this.source = source;
    if (!tar.contains("manifest.json")) {
      throw TransportException.failed(
          TransportException.Code.ARCHIVE_INVALID,
          "read " + source,
          "it has no manifest.json",
          "give a docker-archive written by docker save or skopeo copy");
    }
    byte[] mj;
    try (InputStream in = tar.open("manifest.json")) {
      mj = Streams.readBounded(in, MAX_METADATA_BYTES, "read manifest.json from " + source);
    }
    List<DockerArchiveImage> images = DockerArchiveImage.parseAll(mj, source);
    Map<Integer, Descriptor> built = new HashMap<>();
    for (DockerArchiveImage.Selection s : DockerArchiveImage.select(images, ref, source)) {
      Descriptor d = built.get(s.image());
      if (d == null) {
        d = build(images.get(s.image()), s.image());
        built.put(s.image(), d);
      }
      roots.add(new SourceImage(s.refName(), d));
    }
  }

  /**
   * Opens a docker-archive and scans the selected images' layers.
   *
   * @param file the tar file
   * @param ref {@code repo:tag}, {@code @N}, or null for all images
   * @param source the description for messages
   * @return the source; the caller closes it
   */
  static DockerArchiveSource open(Path file, String ref, String source) throws IOException {
    SafeTar tar = SafeTar.open(file, source, SafeTar.Links.RESOLVE_INSIDE);
    try {
      return new DockerArchiveSource(tar, ref, source);
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
    return List.copyOf(roots);
  }

  @Override
  public byte[] readManifest(Descriptor d) throws IOException {
    byte[] bytes = manifests.get(d.digest());
    if (bytes == null) {
      throw missing(
          "manifest " + d.digest() + " from " + source,
          "it is not one of the manifests gapsync generated");
    }
    if (bytes.length != d.size()) {
      throw new ProtocolException(
          ProtocolException.Code.SIZE_MISMATCH,
          "Tried to read manifest "
              + d.digest()
              + " from "
              + source
              + " but failed because it has "
              + bytes.length
              + " bytes where "
              + d.size()
              + " were announced: use the descriptor "
              + "from roots()");
    }
    return bytes.clone();
  }

  @Override
  public InputStream openBlob(Descriptor d) throws IOException {
    String entry = blobs.get(d.digest());
    if (entry == null) {
      throw missing(
          "blob " + d.digest() + " from " + source,
          "no config or layer of the selected images has it");
    }
    if (tar.size(entry) != d.size()) {
      throw new ProtocolException(
          ProtocolException.Code.SIZE_MISMATCH,
          "Tried to read blob "
              + d.digest()
              + " from "
              + source
              + " but failed because "
              + entry
              + " has "
              + tar.size(entry)
              + " bytes where "
              + d.size()
              + " were announced");
    }
    return tar.open(entry);
  }

  @Override
  public void close() throws IOException {
    tar.close();
  }

  /** Reads one image's config, scans its layers, and generates its manifest. */
  private Descriptor build(DockerArchiveImage image, int index) throws IOException {
    String what = "image " + index + " of " + source;
    long configSize = tar.size(image.config());
    if (configSize < 0) {
      throw missing("config " + image.config() + " of " + what, "the archive has no such entry");
    }
    byte[] config;
    try (InputStream in = tar.open(image.config())) {
      config =
          Streams.readBounded(
              in, MAX_METADATA_BYTES, "read config " + image.config() + " of " + what);
    }
    Digest configDigest = Digest.sha256Of(config);
    blobs.put(configDigest, image.config());
    List<Digest> diffIds = diffIds(config, "config " + image.config() + " of " + what);
    if (diffIds.size() != image.layers().size()) {
      throw inconsistent(
          what,
          "its config lists "
              + diffIds.size()
              + " rootfs.diff_ids but "
              + "manifest.json lists "
              + image.layers().size()
              + " layers");
    }
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode m = f.objectNode();
    m.put("schemaVersion", 2);
    // An OCI manifest, as skopeo produces when copying docker-archive to oci: the Docker config
    // JSON is a valid OCI config, and OCI layouts (skopeo 1.9 reads only OCI entries) accept it.
    m.put("mediaType", MediaTypes.OCI_MANIFEST);
    m.set("config", descriptor(MediaTypes.OCI_CONFIG, config.length, configDigest));
    var layers = m.putArray("layers");
    for (int i = 0; i < image.layers().size(); i++) {
      Layer layer = scan(image.layers().get(i), what);
      if (!layer.diffId().equals(diffIds.get(i))) {
        throw inconsistent(
            what,
            "layer "
                + i
                + " ("
                + layer.entry()
                + ") has the uncompressed "
                + "digest "
                + layer.diffId()
                + " but the config's rootfs.diff_ids["
                + i
                + "] is "
                + diffIds.get(i));
      }
      blobs.put(layer.digest(), layer.entry());
      layers.add(
          descriptor(
              layer.gzip() ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.OCI_LAYER_TAR,
              layer.size(),
              layer.digest()));
    }
    byte[] bytes;
    try {
      bytes = Json.mapper().writeValueAsBytes(m);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot serialise a generated manifest", e);
    }
    // Validate our own output with the same rules as any other manifest.
    ManifestParser.parse(bytes, MediaTypes.OCI_MANIFEST, "generated manifest of " + what);
    Digest digest = Digest.sha256Of(bytes);
    manifests.put(digest, bytes);
    return Descriptor.of(MediaTypes.OCI_MANIFEST, digest, bytes.length);
  }

  private static ObjectNode descriptor(String mediaType, long size, Digest digest) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("mediaType", mediaType);
    n.put("size", size);
    n.put("digest", digest.toString());
    return n;
  }

  private List<Digest> diffIds(byte[] config, String what) throws TransportException {
    JsonNode ids = Json.parseTree(config, MAX_METADATA_BYTES, what).path("rootfs").path("diff_ids");
    if (!ids.isArray()) {
      throw inconsistent(what, "it has no rootfs.diff_ids array");
    }
    List<Digest> out = new ArrayList<>(ids.size());
    for (JsonNode id : ids) {
      if (!id.isTextual() || !Digest.isValid(id.textValue())) {
        throw inconsistent(what, "rootfs.diff_ids holds '" + id + "', which is not a digest");
      }
      out.add(Digest.parse(id.textValue()));
    }
    return out;
  }

  /** Hashes a layer file once (cached): stored digest and size, and uncompressed digest. */
  private Layer scan(String entry, String what) throws IOException {
    Layer cached = scanned.get(entry);
    if (cached != null) {
      return cached;
    }
    long size = tar.size(entry);
    if (size < 0) {
      throw missing("layer " + entry + " of " + what, "the archive has no such entry");
    }
    Layer layer;
    try (InputStream raw = tar.open(entry)) {
      DigestingInputStream stored = new DigestingInputStream(raw, DigestAlgorithm.SHA256);
      BufferedInputStream in = new BufferedInputStream(stored, BUFFER_BYTES);
      in.mark(2);
      boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
      in.reset();
      Digest diffId = null;
      if (gzip) {
        // GZIPInputStream is not closed here: that would close the archive's entry stream early.
        DigestingInputStream plain =
            new DigestingInputStream(new GZIPInputStream(in, BUFFER_BYTES), DigestAlgorithm.SHA256);
        try {
          drain(plain);
        } catch (ZipException | java.io.EOFException e) {
          throw inconsistent(
              what,
              "layer "
                  + entry
                  + " starts like gzip but is not valid gzip ("
                  + e.getMessage()
                  + ")");
        }
        diffId = plain.digest();
      }
      drain(in);
      if (stored.count() != size) {
        throw inconsistent(
            what,
            "layer "
                + entry
                + " yielded "
                + stored.count()
                + " bytes where "
                + "the archive header says "
                + size);
      }
      layer = new Layer(entry, stored.digest(), size, gzip, gzip ? diffId : stored.digest());
    }
    scanned.put(entry, layer);
    return layer;
  }

  private static void drain(InputStream in) throws IOException {
    byte[] buf = new byte[BUFFER_BYTES];
    while (in.read(buf) >= 0) {
      // Only the digest is wanted.
    }
  }

  private TransportException missing(String what, String because) {
    return TransportException.failed(
        TransportException.Code.CONTENT_MISSING,
        "read " + what,
        because,
        "the archive is incomplete; export the image again");
  }

  private TransportException inconsistent(String what, String because) {
    return TransportException.failed(
        TransportException.Code.CONTENT_INVALID,
        "read " + what,
        because,
        "the archive is corrupt or was assembled by hand; export the image again");
  }
}
