package io.gapsync.daemon.archive;

/**
 * Where long archive work reports its progress in bytes. The command line draws a line on a
 * terminal; the import daemon passes {@link #NONE}. Called on the working thread only.
 */
@FunctionalInterface
public interface ProgressListener {

  /** Reports nothing. */
  ProgressListener NONE = (label, total) -> Meter.SILENT;

  /**
   * Starts reporting one piece of work.
   *
   * @param label what is done, e.g. {@code Exporting NAME}
   * @param totalBytes the bytes the work will process, or 0 if unknown
   * @return the meter to advance; closed by the caller when the work ends
   */
  Meter begin(String label, long totalBytes);

  /** The progress of one piece of work. */
  interface Meter extends AutoCloseable {

    /** A meter that does nothing. */
    Meter SILENT =
        new Meter() {
          @Override
          public void advance(long bytes) {}

          @Override
          public void close() {}
        };

    /**
     * Adds bytes done.
     *
     * @param bytes the bytes processed since the last call
     */
    void advance(long bytes);

    /** Ends the work (draws the final state); never throws. */
    @Override
    void close();
  }
}
