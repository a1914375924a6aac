package io.gapsync.cli.sync;

/**
 * A sync set file is malformed. The message names the file, the line and the field, says what is
 * wrong and what is expected, e.g. {@code sync.yaml:12: spec.images[0].tags.newest: must be a whole
 * number from 1 to 10000, got 'three'}.
 */
public final class SyncSetException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int line;
  private final String field;

  /**
   * Creates an exception.
   *
   * @param file the file, for the message
   * @param line the 1-based line, or 0 if unknown
   * @param field the field path, e.g. {@code spec.images[0].ref}
   * @param problem what is wrong and what is expected
   */
  public SyncSetException(String file, int line, String field, String problem) {
    super(
        "Tried to read sync set "
            + file
            + (line > 0 ? ":" + line : "")
            + " but "
            + (field.isEmpty() ? "the document" : field)
            + " "
            + problem);
    this.line = line;
    this.field = field;
  }

  /** Returns the 1-based line of the problem, or 0. */
  public int line() {
    return line;
  }

  /** Returns the field path, e.g. {@code spec.images[0].ref}. */
  public String field() {
    return field;
  }
}
