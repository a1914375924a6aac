package io.gapsync.cli;

import io.gapsync.daemon.archive.ArchiveImporter;
import io.gapsync.daemon.archive.ArchiveRefusedException;
import io.gapsync.protocol.ProtocolException;
import io.gapsync.protocol.archive.ArchiveFiles;
import io.gapsync.protocol.archive.TagUpdate;
import io.gapsync.protocol.trust.TrustPolicy;
import io.gapsync.store.Store;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gapsync import --trust FILE ARCHIVE...}: verifies and applies signed archives, in the
 * order given. Exit 0 if every archive was applied (or had been), 1 if any was refused: each
 * refused archive leaves the store as it was, and the others are still applied.
 */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Verifies signed archives (signature, trusted key, expiry) and applies them: every entry is",
      "checked while it streams into the store; nothing of an archive becomes visible until all",
      "of its content is present. ARCHIVE is an archive file, a volume index (NAME.volumes.json)",
      "or any of its volumes. An archive applied before is reported and changes nothing."
    })
final class ImportCommand implements Callable<Integer> {

  @Mixin StoreMixin storeOption;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--trust",
      required = true,
      paramLabel = "FILE",
      description =
          "Trust file (trusted producer keys and threshold), or one producer's PREFIX.pub.")
  Path trustFile;

  @Parameters(arity = "1..*", paramLabel = "ARCHIVE", description = "Archives to import.")
  List<Path> archives = new ArrayList<>();

  @Option(names = "--json", description = "Print a JSON summary.")
  boolean json;

  /** The clock expiry is checked against; tests replace it. */
  Clock clock = Clock.systemUTC();

  @Override
  public Integer call() throws Exception {
    TrustPolicy trust;
    try {
      trust = TrustPolicy.load(trustFile);
    } catch (NoSuchFileException e) {
      throw new CliException(
          "Tried to read the trust file " + trustFile + " but there is no such file");
    }
    List<ArchiveFiles.Located> located = ArchiveFiles.locate(archives);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Map<String, Object>> report = new ArrayList<>();
    int failures = 0;
    String lastError = null;
    try (Store store = storeOption.openWritable()) {
      for (ArchiveFiles.Located a : located) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("archive", a.describe());
        try {
          ArchiveImporter.Result res =
              new ArchiveImporter(store, trust, clock.instant(), Progress.ON_TERMINAL).run(a);
          describe(res, r);
          if (!json) {
            out.println(text(res));
          }
        } catch (ProtocolException
            | CliException
            | ArchiveRefusedException
            | NoSuchFileException e) {
          failures++;
          lastError =
              e instanceof NoSuchFileException ? "no such file: " + e.getMessage() : e.getMessage();
          r.put("status", "refused");
          r.put("error", lastError);
          if (!json) {
            err.println("gapsync: refused: " + lastError);
          }
        }
        report.add(r);
      }
    }
    if (json) {
      JsonOutput.print(out, Map.of("archives", report, "refused", failures));
    }
    return failures == 0 ? 0 : 1;
  }

  private static void describe(ArchiveImporter.Result res, Map<String, Object> r) {
    r.put("status", res.alreadyApplied() ? "already-applied" : "applied");
    r.put("archiveId", res.statement().archiveId());
    r.put("producerId", res.statement().producerId());
    r.put("sequence", res.statement().sequence());
    r.put("blobsAdded", res.blobsAdded());
    r.put("bytesAdded", res.bytesAdded());
    r.put("blobsPresent", res.blobsPresent());
    r.put("manifestsAdded", res.manifestsAdded());
    r.put("tags", res.tagsMoved().stream().map(t -> t.reference() + " -> " + t.to()).toList());
    r.put(
        "tagsKept",
        res.tagsKept().stream().map(t -> t.reference() + " (newer archive set it)").toList());
  }

  private static String text(ArchiveImporter.Result res) {
    var s = res.statement();
    String head =
        "archive "
            + res.archive()
            + " (producer "
            + s.producerId()
            + ", sequence "
            + s.sequence()
            + ")";
    if (res.alreadyApplied()) {
      return "Already applied " + head + ": nothing changed";
    }
    StringBuilder b = new StringBuilder("Imported " + head + ": ");
    b.append(res.blobsAdded())
        .append(" blobs added (")
        .append(Sizes.human(res.bytesAdded()))
        .append("), ")
        .append(res.blobsPresent())
        .append(" already present, ")
        .append(res.manifestsAdded())
        .append(" manifests added");
    for (TagUpdate t : res.tagsMoved()) {
      b.append("\n  tag ").append(t.reference()).append(" -> ").append(t.to());
    }
    for (TagUpdate t : res.tagsKept()) {
      b.append("\n  tag ")
          .append(t.reference())
          .append(" kept: a newer archive of this producer set it");
    }
    return b.toString();
  }
}
