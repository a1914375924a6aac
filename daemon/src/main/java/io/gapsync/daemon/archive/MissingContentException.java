package io.gapsync.daemon.archive;

import java.util.List;

/**
 * An archive refused because it assumes the site holds content the site lacks (docs/FORMAT.md
 * section 4.7, step 4). Unlike every other refusal this one can cure itself: once the earlier
 * archive that carries the content is applied, the same archive applies. The import daemon
 * therefore quarantines it and retries it instead of rejecting it ({@code SpoolImporter}).
 */
public final class MissingContentException extends ArchiveRefusedException {

  private static final long serialVersionUID = 1L;

  private final String producerId;
  private final long sequence;
  private final String highestApplied;
  private final List<String> missing;

  /**
   * Creates the exception.
   *
   * @param message the one-line message (names at most the first ten digests)
   * @param producerId the archive's producer
   * @param sequence the archive's sequence number
   * @param highestApplied the producer's highest applied sequence here, or {@code none}
   * @param missing every missing digest, as {@code KIND DIGEST}
   */
  public MissingContentException(
      String message,
      String producerId,
      long sequence,
      String highestApplied,
      List<String> missing) {
    super(message);
    this.producerId = producerId;
    this.sequence = sequence;
    this.highestApplied = highestApplied;
    this.missing = List.copyOf(missing);
  }

  /** Returns the archive's producer id. */
  public String producerId() {
    return producerId;
  }

  /** Returns the archive's sequence number. */
  public long sequence() {
    return sequence;
  }

  /** Returns the producer's highest sequence applied at this site, or {@code none}. */
  public String highestApplied() {
    return highestApplied;
  }

  /** Returns every missing digest, as {@code KIND DIGEST} (e.g. {@code blob sha256:...}). */
  public List<String> missing() {
    return missing;
  }
}
