package io.gapsync.protocol.archive;

import io.gapsync.protocol.MediaTypes;
import java.util.Locale;
import java.util.Set;

/**
 * How an entry's bytes are stored in the archive. Format version 1 knows two encodings; a reader
 * refuses any other by name before it reads an entry, and an entry's optional {@code base} field (a
 * digest the receiver already holds) is reserved for a later patch encoding such as {@code
 * zstd-patch} (docs/FORMAT.md section 4, "Encodings").
 */
public final class EntryEncoding {

  /** Stored as is: stored size and digest equal the content's. */
  public static final String IDENTITY = "identity";

  /** One or more zstd frames (RFC 8878) that decode to the content. */
  public static final String ZSTD = "zstd";

  /** The encodings this version understands. */
  public static final Set<String> KNOWN = Set.of(IDENTITY, ZSTD);

  private EntryEncoding() {}

  /**
   * Chooses the encoding by media type: content that is already compressed (gzip or zstd layers,
   * encrypted layers) is stored as is; manifests, configs, JSON and uncompressed tar layers are
   * compressed. Anything else returns null: the writer decides from a sample.
   *
   * @param mediaType the media type, or null
   * @param kind the entry kind
   * @return {@link #IDENTITY}, {@link #ZSTD}, or null to decide by sample
   */
  public static String byMediaType(String mediaType, EntryKind kind) {
    if (kind == EntryKind.MANIFEST) {
      return ZSTD;
    }
    if (mediaType == null) {
      return null;
    }
    String m = mediaType.toLowerCase(Locale.ROOT);
    if (m.contains("gzip")
        || m.contains("zstd")
        || m.contains("+encrypted")
        || m.endsWith(".tar.gz")
        || m.contains("zip")
        || m.contains("bzip2")
        || m.contains("xz")) {
      return IDENTITY;
    }
    if (m.endsWith("json")
        || m.equals(MediaTypes.OCI_LAYER_TAR)
        || m.equals(MediaTypes.DOCKER_LAYER_TAR)
        || m.endsWith(".tar")
        || m.startsWith("text/")) {
      return ZSTD;
    }
    return null;
  }
}
