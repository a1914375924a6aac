package io.gapsync.cli.transport;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A local transport reference in skopeo's syntax, validated once, at creation; {@link #toString()}
 * is the canonical form. As in skopeo, the path ends at the first {@code :} after the transport
 * name and the rest is the reference, so paths of the archive and layout transports cannot contain
 * {@code :} (a {@code file:} path can).
 *
 * <ul>
 *   <li>{@code oci:DIR[:REF]}, {@code oci-archive:FILE[:REF]}: REF is an OCI ref name (the {@code
 *       org.opencontainers.image.ref.name} annotation of an index.json entry). As a source, REF
 *       selects the entries with that name, no REF selects all; as a sink, REF is the name the
 *       caller should give the root ({@link #refNameFor}).
 *   <li>{@code docker-archive:FILE[:REF]} (source only): REF is {@code repo:tag} matched against
 *       the archive's RepoTags, or {@code @N} for the N-th image of manifest.json.
 *   <li>{@code file:PATH}: a plain file to wrap as an artifact; parsed here, opened elsewhere.
 * </ul>
 *
 * <p>{@code docker://} (registries) is handled elsewhere and refused here.
 *
 * @param kind the transport
 * @param path the directory or file
 * @param ref the reference within it, or null
 */
public record TransportRef(Kind kind, Path path, String ref) {

  /** The local transports. */
  public enum Kind {
    /** An OCI image layout directory. */
    OCI("oci"),
    /** A tar of an OCI image layout. */
    OCI_ARCHIVE("oci-archive"),
    /** A {@code docker save} / skopeo docker-archive tar. */
    DOCKER_ARCHIVE("docker-archive"),
    /** A plain file, added as a generic artifact. */
    FILE("file");

    private final String prefix;

    Kind(String prefix) {
      this.prefix = prefix;
    }

    /** Returns the transport name as written before the colon, e.g. {@code oci-archive}. */
    public String prefix() {
      return prefix;
    }
  }

  /** Validates the fields. */
  public TransportRef {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(path, "path");
    if (ref != null && ref.isEmpty()) {
      ref = null;
    }
    if (ref != null) {
      String why = refProblem(kind, ref);
      if (why != null) {
        throw new IllegalArgumentException(
            "Invalid reference '" + ref + "' for " + kind.prefix() + ": " + why);
      }
    }
  }

  /**
   * Parses a user's string such as {@code oci:/srv/layout:v1}.
   *
   * @param value the string
   * @return the reference
   * @throws IllegalArgumentException with a one-line message if malformed
   */
  public static TransportRef parse(String value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("Image reference is empty: expected e.g. oci:DIR:TAG");
    }
    if (value.startsWith("docker://")) {
      throw new IllegalArgumentException(
          "Invalid reference '"
              + value
              + "': docker:// (a registry) is not a local transport; expected "
              + EXPECTED);
    }
    int colon = value.indexOf(':');
    Kind kind = null;
    for (Kind k : Kind.values()) {
      if (colon > 0 && k.prefix.equals(value.substring(0, colon))) {
        kind = k;
      }
    }
    if (kind == null) {
      throw new IllegalArgumentException(
          "Invalid reference '" + value + "': unknown transport; expected " + EXPECTED);
    }
    String rest = value.substring(colon + 1);
    String pathText = rest;
    String ref = null;
    int sep = rest.indexOf(':');
    if (kind != Kind.FILE && sep >= 0) {
      pathText = rest.substring(0, sep);
      ref = rest.substring(sep + 1);
    }
    if (pathText.isEmpty()) {
      throw new IllegalArgumentException(
          "Invalid reference '" + value + "': the path is empty; expected " + EXPECTED);
    }
    try {
      return new TransportRef(kind, Path.of(pathText), ref);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException(
          "Invalid reference '" + value + "': bad path (" + e.getMessage() + ")", e);
    }
  }

  private static final String EXPECTED =
      "oci:DIR[:REF], oci-archive:FILE[:REF], docker-archive:FILE[:REPO:TAG|:@N] or file:PATH";

  /**
   * Opens this reference for reading. The caller closes the source.
   *
   * @return the source
   * @throws TransportException if the transport cannot be read (e.g. {@code file:}), or its content
   *     is missing or unsafe
   * @throws IOException if reading fails
   */
  public ImageSource openSource() throws IOException {
    String source = toString();
    return switch (kind) {
      case OCI -> OciLayoutSource.openDirectory(path, ref, source);
      case OCI_ARCHIVE -> OciLayoutSource.openArchive(path, ref, source);
      case DOCKER_ARCHIVE -> DockerArchiveSource.open(path, ref, source);
      case FILE ->
          throw TransportException.failed(
              TransportException.Code.UNSUPPORTED,
              "read images from " + source,
              "file: is not an image transport",
              "add plain files with the file: import path");
    };
  }

  /**
   * Opens this reference for writing ({@code oci:} and {@code oci-archive:} only). The caller
   * commits and closes the sink.
   *
   * @return the sink
   * @throws TransportException with {@code UNSUPPORTED} for other transports, or if the path is
   *     unusable
   * @throws IOException if opening fails
   */
  public ImageSink openSink() throws IOException {
    String target = toString();
    return switch (kind) {
      case OCI -> OciLayoutSink.open(path, target);
      case OCI_ARCHIVE -> OciArchiveSink.open(path, target);
      case DOCKER_ARCHIVE, FILE ->
          throw TransportException.failed(
              TransportException.Code.UNSUPPORTED,
              "write images to " + target,
              "gapsync writes only oci: and oci-archive:",
              "write an OCI layout or archive instead");
    };
  }

  /**
   * Returns the ref name a root copied into this sink reference should get: this reference's own
   * REF if it has one, else the name the image had in the source.
   *
   * @param sourceRefName the name in the source, or null
   * @return the name, or null
   */
  public String refNameFor(String sourceRefName) {
    return ref != null ? ref : sourceRefName;
  }

  @Override
  public String toString() {
    return kind.prefix + ":" + path + (ref == null ? "" : ":" + ref);
  }

  /**
   * Parses the {@code @N} image index of a docker-archive reference.
   *
   * @param ref the reference, starting with {@code @}
   * @return N
   * @throws IllegalArgumentException if not {@code @} followed by at most 9 digits
   */
  static int parseArchiveIndex(String ref) {
    if (!ref.matches("@[0-9]{1,9}")) {
      throw new IllegalArgumentException("'" + ref + "' is not @N with N a non-negative number");
    }
    return Integer.parseInt(ref.substring(1));
  }

  private static String refProblem(Kind kind, String ref) {
    switch (kind) {
      case OCI, OCI_ARCHIVE:
        return OciIndex.isValidRefName(ref)
            ? null
            : "an OCI ref name is alphanumerics joined by . _ - : @ + or --, e.g. v1.2";
      case DOCKER_ARCHIVE:
        try {
          if (ref.startsWith("@")) {
            parseArchiveIndex(ref);
          } else {
            DockerReference.parse(ref);
          }
          return null;
        } catch (IllegalArgumentException e) {
          return e.getMessage() + "; expected REPO:TAG or @N";
        }
      default:
        return "a file: reference has no REF part";
    }
  }
}
