package io.gapsync.store;

/**
 * The base of every error raised by the store. Each carries a stable {@link Code}; the message says
 * what was tried, what failed and what to do.
 */
public class StoreException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Stable error codes of the store module. */
  public enum Code {
    /** The folder holds no gapsync store, or something else. */
    NOT_A_STORE,
    /** The store was written by a different format version. */
    FORMAT_VERSION,
    /** Another process (a running daemon?) holds the store open. */
    LOCKED,
    /** A blob is not in the store. */
    BLOB_UNKNOWN,
    /** A manifest is not in the store. */
    MANIFEST_UNKNOWN,
    /** A manifest references content the store does not hold. */
    MANIFEST_REFERENCE_UNKNOWN,
    /** A repository:tag is not in the store. */
    TAG_UNKNOWN,
    /** Content did not match its digest or size. */
    DIGEST_MISMATCH,
    /** The operation is not allowed on a store opened read-only. */
    READ_ONLY,
    /** Stored data is damaged (a missing chunk, an unreadable record). */
    CORRUPT,
    /** The underlying storage failed. */
    IO,
    /** The store was closed, or closed while the operation was in progress. */
    CLOSED,
    /** A repository or tag name is not valid (OCI distribution spec grammar). */
    NAME_INVALID,
    /** A compare-and-set tag move found a tag not where it expected it ({@code Store.moveTags}). */
    TAG_CONFLICT
  }

  private final Code code;

  /**
   * Creates an exception.
   *
   * @param code the stable code
   * @param message what was tried and why it failed
   */
  public StoreException(Code code, String message) {
    super(message);
    this.code = code;
  }

  /**
   * Creates an exception with a cause.
   *
   * @param code the stable code
   * @param message what was tried and why it failed
   * @param cause the underlying failure
   */
  public StoreException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** Returns the stable error code. */
  public Code code() {
    return code;
  }
}
