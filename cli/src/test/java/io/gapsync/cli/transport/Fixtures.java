package io.gapsync.cli.transport;

import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Small images, layouts and tars built in memory for the transport tests. */
final class Fixtures {

  private Fixtures() {}

  /** A one-layer OCI image: its blobs, manifest and descriptors. */
  record Image(
      byte[] layer,
      byte[] config,
      byte[] manifest,
      Descriptor layerD,
      Descriptor configD,
      Descriptor manifestD) {

    /** Builds an image whose single layer holds one file with the given text. */
    static Image of(String text) {
      return of(text, false);
    }

    /** Builds an image; a gzip layer if asked (diff_id is then of the uncompressed tar). */
    static Image of(String text, boolean gzip) {
      byte[] tar = new Tar().file("hello.txt", text).bytes();
      byte[] layer = gzip ? gzip(tar) : tar;
      byte[] config =
          ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                  + "\"diff_ids\":[\""
                  + Digest.sha256Of(tar)
                  + "\"]}}")
              .getBytes(StandardCharsets.UTF_8);
      Descriptor layerD =
          Descriptor.of(
              gzip ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.OCI_LAYER_TAR,
              Digest.sha256Of(layer),
              layer.length);
      Descriptor configD =
          Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256Of(config), config.length);
      byte[] manifest =
          ("{\"schemaVersion\":2,\"mediaType\":\""
                  + MediaTypes.OCI_MANIFEST
                  + "\",\"config\":"
                  + json(configD)
                  + ",\"layers\":["
                  + json(layerD)
                  + "]}")
              .getBytes(StandardCharsets.UTF_8);
      return new Image(
          layer,
          config,
          manifest,
          layerD,
          configD,
          Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.sha256Of(manifest), manifest.length));
    }

    /** Returns index.json listing this image under a ref name. */
    byte[] indexJson(String refName) {
      return ("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
              + manifestD.mediaType()
              + "\",\"digest\":\""
              + manifestD.digest()
              + "\",\"size\":"
              + manifestD.size()
              + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\""
              + refName
              + "\"}}]}")
          .getBytes(StandardCharsets.UTF_8);
    }

    /** Returns the files of an OCI layout holding this image, by relative name. */
    Map<String, byte[]> layoutFiles(String refName) {
      Map<String, byte[]> files = new LinkedHashMap<>();
      files.put("oci-layout", OciIndex.LAYOUT_MARKER);
      files.put(blobName(layerD), layer);
      files.put(blobName(configD), config);
      files.put(blobName(manifestD), manifest);
      files.put("index.json", indexJson(refName));
      return files;
    }

    /** Writes an OCI layout holding this image into a directory. */
    Path writeLayout(Path dir, String refName) throws IOException {
      for (Map.Entry<String, byte[]> e : layoutFiles(refName).entrySet()) {
        Path p = dir.resolve(e.getKey());
        Files.createDirectories(p.getParent());
        Files.write(p, e.getValue());
      }
      return dir;
    }
  }

  /** Returns {@code blobs/sha256/<hex>} for a descriptor. */
  static String blobName(Descriptor d) {
    return "blobs/" + d.digest().algorithm().id() + "/" + d.digest().hex();
  }

  static String json(Descriptor d) {
    return "{\"mediaType\":\""
        + d.mediaType()
        + "\",\"digest\":\""
        + d.digest()
        + "\",\"size\":"
        + d.size()
        + "}";
  }

  static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Builds tar archives, including hostile ones, entry by entry. */
  static final class Tar {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar = new TarArchiveOutputStream(out);

    Tar() {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    }

    Tar file(String name, String text) {
      return file(name, text.getBytes(StandardCharsets.UTF_8));
    }

    Tar file(String name, byte[] content) {
      TarArchiveEntry e = new TarArchiveEntry(name, true);
      e.setSize(content.length);
      return put(e, content);
    }

    Tar files(Map<String, byte[]> files) {
      files.forEach(this::file);
      return this;
    }

    Tar symlink(String name, String target) {
      TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
      e.setLinkName(target);
      return put(e, new byte[0]);
    }

    Tar hardlink(String name, String target) {
      TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
      e.setLinkName(target);
      return put(e, new byte[0]);
    }

    Tar device(String name) {
      return put(new TarArchiveEntry(name, TarConstants.LF_CHR, true), new byte[0]);
    }

    private Tar put(TarArchiveEntry e, byte[] content) {
      try {
        e.setModTime(FileTime.fromMillis(0));
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
      return this;
    }

    byte[] bytes() {
      try {
        tar.finish();
        tar.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toByteArray();
    }

    Path write(Path file) throws IOException {
      Files.write(file, bytes());
      return file;
    }
  }

  /** Reads a stream fully (tests only: small blobs). */
  static byte[] readAll(java.io.InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  /** Copies every root of a source, with its content, into a sink, and commits. */
  static void copy(ImageSource source, ImageSink sink, TransportRef dest) throws IOException {
    for (SourceImage root : source.roots()) {
      copyManifest(source, sink, root.descriptor());
      sink.addRoot(
          root.descriptor(), dest == null ? root.refName() : dest.refNameFor(root.refName()));
    }
    sink.commit();
  }

  private static void copyManifest(ImageSource source, ImageSink sink, Descriptor d)
      throws IOException {
    byte[] bytes = source.readManifest(d);
    var m = io.gapsync.protocol.ManifestParser.parse(bytes, d.mediaType(), "test");
    for (Descriptor child : m.manifests()) {
      copyManifest(source, sink, child);
    }
    for (Descriptor blob : m.blobReferences()) {
      if (!sink.hasBlob(blob.digest())) {
        try (var in = source.openBlob(blob)) {
          sink.putBlob(blob, in);
        }
      }
    }
    sink.putManifest(d, bytes);
  }

  /** Returns the bytes as a UTF-8 string. */
  static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
