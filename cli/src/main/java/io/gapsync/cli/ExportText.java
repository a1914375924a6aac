package io.gapsync.cli;

import io.gapsync.daemon.archive.ArchiveExporter;
import io.gapsync.daemon.archive.LedgerRecord;
import io.gapsync.daemon.archive.PlanningInventory;
import io.gapsync.protocol.archive.ArchiveStatement;
import java.io.PrintWriter;
import java.util.List;

/** The human-readable report of {@code gapsync export} (the JSON one is its {@code --json}). */
final class ExportText {

  private ExportText() {}

  static void print(PrintWriter out, ExportCommand.ExportRun run) {
    PlanningInventory base = run.base();
    String site = run.returned().inventory().siteId();
    StringBuilder from =
        new StringBuilder("  planned from ")
            .append(run.returned().file())
            .append(run.returned().signedBy().isEmpty() ? "" : " (signature verified)")
            .append(", watermark ")
            .append(base.watermark());
    if (!base.inFlight().isEmpty()) {
      List<Long> seqs = base.inFlight().stream().map(LedgerRecord::sequence).toList();
      from.append("; assumed delivered: sequences ").append(seqs);
    }
    if (!base.lost().isEmpty()) {
      from.append("; ")
          .append(base.lost().size())
          .append(" entries of reflected archives are missing at the site, ")
          .append(run.resent())
          .append(" of them sent again");
    }
    ArchiveExporter.Result r = run.result();
    if (r == null) {
      out.println(
          "Nothing to export: site "
              + site
              + " holds (or will hold, once the archives in flight arrive) everything asked for;"
              + " no archive written");
      out.println(from);
      return;
    }
    ArchiveStatement s = r.statement();
    out.println(
        "Wrote archive "
            + r.files().get(r.files().size() - 1)
            + " for site "
            + s.siteId()
            + " (producer "
            + s.producerId()
            + ", sequence "
            + s.sequence()
            + ", expires "
            + s.expiresAt()
            + ")");
    out.println(
        "  "
            + s.entries().size()
            + " entries, "
            + Sizes.human(s.contentBytes())
            + " of content stored in "
            + Sizes.human(s.storedBytes())
            + "; "
            + s.tags().size()
            + " tag updates; "
            + s.assumedPresent().size()
            + " digests assumed present at the site"
            + (r.files().size() > 1 ? "; " + (r.files().size() - 1) + " volumes" : ""));
    out.println(from);
  }
}
