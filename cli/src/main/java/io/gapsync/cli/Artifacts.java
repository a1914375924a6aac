package io.gapsync.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Manifest;
import io.gapsync.protocol.MediaTypes;
import io.gapsync.store.IngestLease;
import io.gapsync.store.PutResult;
import io.gapsync.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generic files as OCI 1.1 artifacts, as ORAS stores them: an image manifest with an {@code
 * artifactType}, the empty config ({@code {}}) and one layer holding the file, titled with the file
 * name ({@code org.opencontainers.image.title}). The manifest gapsync writes is deterministic: the
 * same file, name and type give the same digest.
 */
final class Artifacts {

  /** The OCI 1.1 empty descriptor's content. */
  static final byte[] EMPTY_JSON = "{}".getBytes(StandardCharsets.US_ASCII);

  /** The title annotation naming the file of a layer. */
  static final String TITLE = "org.opencontainers.image.title";

  private Artifacts() {}

  /**
   * Adds a file as an artifact.
   *
   * @param store the store
   * @param file the file
   * @param artifactType the artifact type
   * @param target the repository:tag to tag it as (inside the ingest lease)
   * @return the stored manifest digest
   * @throws IOException if the file cannot be read
   */
  static Digest add(
      Store store, Path file, String artifactType, io.gapsync.protocol.Reference target)
      throws IOException {
    checkRegularFile(file);
    String title = file.getFileName().toString();
    List<Digest> created = new java.util.ArrayList<>();
    try {
      try (IngestLease lease = store.lease();
          InputStream in = Files.newInputStream(file);
          Progress progress = Progress.onTerminal("Adding " + title, Files.size(file))) {
        PutResult config =
            store.putBlob(new java.io.ByteArrayInputStream(EMPTY_JSON), null, -1, lease);
        track(created, lease, config);
        PutResult layer;
        try (var up = store.beginUpload()) {
          byte[] buf = new byte[1 << 16];
          int n;
          while ((n = in.read(buf)) >= 0) {
            up.write(buf, 0, n);
            progress.advance(n);
          }
          layer = up.commit(null, -1, lease);
        }
        track(created, lease, layer);
        byte[] manifest = manifestBytes(artifactType, config, layer, title);
        PutResult m = store.putManifest(manifest, MediaTypes.OCI_MANIFEST, lease);
        track(created, lease, m);
        store.tag(target.repository(), target.tag(), m.digest());
        return m.digest();
      }
    } catch (IOException | RuntimeException e) {
      store.discard(created);
      throw e;
    }
  }

  /** Refuses anything but a regular file (no symbolic links, folders or devices). */
  private static void checkRegularFile(Path file) {
    if (Files.isSymbolicLink(file) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      String what =
          Files.isSymbolicLink(file)
              ? "it is a symbolic link"
              : Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)
                  ? "it is a folder"
                  : Files.exists(file, LinkOption.NOFOLLOW_LINKS)
                      ? "it is not a regular file"
                      : file + " does not exist";
      throw new CliException(
          "Tried to add file:"
              + file
              + " but failed because "
              + what
              + " (file: takes a regular "
              + "file; symbolic links, folders and devices are refused): give the path of a "
              + "regular file");
    }
  }

  /**
   * Adds a file as an artifact through the daemon that holds the store: the file is hashed first
   * (the registry API names a blob by its digest), then uploaded in one streamed request that the
   * daemon verifies again, so a file that changes in between is refused, not stored.
   *
   * @param daemon the daemon's client
   * @param file the file
   * @param artifactType the artifact type
   * @param target the repository:tag
   * @return the stored manifest digest
   * @throws IOException if the file cannot be read
   */
  static Digest add(
      DaemonClient daemon, Path file, String artifactType, io.gapsync.protocol.Reference target)
      throws IOException {
    checkRegularFile(file);
    String title = file.getFileName().toString();
    String repo = target.repository();
    Digest layerDigest;
    long size;
    try (InputStream in = Files.newInputStream(file)) {
      var hashing =
          new io.gapsync.protocol.DigestingInputStream(
              in, io.gapsync.protocol.DigestAlgorithm.SHA256);
      size = hashing.transferTo(OutputStream.nullOutputStream());
      layerDigest = hashing.digest();
    }
    PutResult config = new PutResult(Digest.sha256Of(EMPTY_JSON), EMPTY_JSON.length, false);
    PutResult layer = new PutResult(layerDigest, size, false);
    byte[] manifest = manifestBytes(artifactType, config, layer, title);
    Manifest m =
        io.gapsync.protocol.ManifestParser.parse(
            manifest, MediaTypes.OCI_MANIFEST, "artifact " + title);
    List<Digest> created = new java.util.ArrayList<>();
    try (IngestTarget t = new IngestTarget.ThroughDaemon(daemon)) {
      try {
        if (!t.pinHeld(repo, config.digest())
            && t.putBlob(
                repo,
                Descriptor.of(MediaTypes.OCI_EMPTY, config.digest(), config.size()),
                new java.io.ByteArrayInputStream(EMPTY_JSON))) {
          created.add(config.digest());
        }
        try (InputStream in = Files.newInputStream(file);
            Progress progress = Progress.onTerminal("Adding " + title, size)) {
          if (!t.pinHeld(repo, layerDigest)
              && t.putBlob(repo, Descriptor.of(MediaTypes.OCTET_STREAM, layerDigest, size), in)) {
            created.add(layerDigest);
          }
          progress.advance(size);
        }
        if (t.putManifest(repo, m)) {
          created.add(m.digest());
        }
        t.tag(repo, target.tag(), m);
        return m.digest();
      } catch (IOException | RuntimeException e) {
        try {
          t.discard(created);
        } catch (RuntimeException x) {
          e.addSuppressed(x);
        }
        throw e;
      }
    }
  }

  private static void track(List<Digest> created, IngestLease lease, PutResult r) {
    lease.pin(r.digest());
    if (r.created()) {
      created.add(r.digest());
    }
  }

  static byte[] manifestBytes(
      String artifactType, PutResult config, PutResult layer, String title) {
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("mediaType", MediaTypes.OCI_EMPTY);
    cfg.put("digest", config.digest().toString());
    cfg.put("size", config.size());
    cfg.put("data", "e30=");
    Map<String, Object> l = new LinkedHashMap<>();
    l.put("mediaType", MediaTypes.OCTET_STREAM);
    l.put("digest", layer.digest().toString());
    l.put("size", layer.size());
    l.put("annotations", Map.of(TITLE, title));
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("schemaVersion", 2);
    root.put("mediaType", MediaTypes.OCI_MANIFEST);
    root.put("artifactType", artifactType);
    root.put("config", cfg);
    root.put("layers", List.of(l));
    try {
      return new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(root);
    } catch (IOException e) {
      throw new IllegalStateException("serialising a generated manifest failed", e);
    }
  }

  /**
   * Writes an artifact's single layer to a file, atomically (a temporary file renamed into place),
   * verifying the content's digest on the way.
   *
   * @param store the store
   * @param manifest the artifact manifest
   * @param target the file to write; an existing folder receives the file under its title
   * @return the file written
   * @throws IOException on write failure (nothing is left behind)
   */
  static Path get(Store store, Manifest manifest, Path target) throws IOException {
    return get(store::openBlob, manifest, target);
  }

  /**
   * Writes an artifact's single layer to a file, reading the layer through {@code blobs}.
   *
   * @see #get(Store, Manifest, Path)
   */
  static Path get(Exporter.BlobReader blobs, Manifest manifest, Path target) throws IOException {
    if (manifest.isIndex() || manifest.layers().size() != 1) {
      throw new CliException(
          "Tried to write "
              + manifest.digest()
              + " to file:"
              + target
              + " but it has "
              + (manifest.isIndex() ? "platform manifests" : manifest.layers().size() + " layers")
              + ", and file: takes an artifact with exactly one: use oci:DIR instead");
    }
    Descriptor layer = manifest.layers().get(0);
    Path out = target;
    if (Files.isDirectory(target)) {
      String title = layer.annotations().get(TITLE);
      if (title == null
          || title.isEmpty()
          || title.contains("/")
          || title.equals("..")
          || title.equals(".")) {
        throw new CliException(
            "Tried to write "
                + manifest.digest()
                + " into folder "
                + target
                + " but its layer has no "
                + "safe file name ("
                + TITLE
                + "): give a file path instead");
      }
      out = target.resolve(title);
    }
    Path parent = out.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(parent, ".gapsync-", ".partial");
    try {
      try (InputStream in =
              new io.gapsync.protocol.DigestingInputStream(
                  blobs.open(layer.digest()), layer.digest().algorithm());
          OutputStream os = Files.newOutputStream(tmp);
          Progress progress = Progress.onTerminal("Writing " + out.getFileName(), layer.size())) {
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) >= 0) {
          os.write(buf, 0, n);
          progress.advance(n);
        }
        ((io.gapsync.protocol.DigestingInputStream) in)
            .verify(layer.digest(), layer.size(), "stored blob " + layer.digest());
      }
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return out;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
