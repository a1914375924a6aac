package io.gapsync.cli;

import io.gapsync.daemon.archive.ProgressListener;
import java.io.PrintStream;

/**
 * Progress of long work, drawn on one line of standard error when it is a terminal and silent
 * otherwise (so scripts and CI logs stay clean). Redraws at most ten times a second.
 */
final class Progress implements ProgressListener.Meter {

  private static final long REDRAW_NANOS = 100_000_000L;

  private final PrintStream out;
  private final boolean enabled;
  private final String label;
  private final long total;
  private long done;
  private long lastDraw;
  private boolean drawn;

  Progress(PrintStream out, boolean enabled, String label, long total) {
    this.out = out;
    this.enabled = enabled;
    this.label = label;
    this.total = total;
  }

  /** Progress lines on stderr for archive work (silent unless stderr is a terminal). */
  static final ProgressListener ON_TERMINAL = Progress::onTerminal;

  /** Returns a progress line on stderr if stderr is a terminal, else a silent one. */
  static Progress onTerminal(String label, long total) {
    return new Progress(System.err, System.console() != null, label, total);
  }

  /** Adds bytes done. */
  @Override
  public void advance(long bytes) {
    done += bytes;
    draw(false);
  }

  /** Sets the bytes done. */
  void set(long bytes) {
    done = bytes;
    draw(false);
  }

  private void draw(boolean force) {
    if (!enabled) {
      return;
    }
    long now = System.nanoTime();
    if (!force && drawn && now - lastDraw < REDRAW_NANOS) {
      return;
    }
    lastDraw = now;
    drawn = true;
    String pct = total > 0 ? String.format(" %3d%%", Math.min(100, done * 100 / total)) : "";
    out.print(
        "\r"
            + label
            + pct
            + " "
            + Sizes.human(done)
            + (total > 0 ? " / " + Sizes.human(total) : "")
            + "   ");
    out.flush();
  }

  @Override
  public void close() {
    if (enabled && drawn) {
      draw(true);
      out.println();
    }
  }
}
