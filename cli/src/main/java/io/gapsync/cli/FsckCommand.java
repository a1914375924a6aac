package io.gapsync.cli;

import io.gapsync.store.FsckReport;
import io.gapsync.store.Store;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gapsync fsck}: verifies every blob, manifest, tag and index entry. */
@Command(
    name = "fsck",
    mixinStandardHelpOptions = true,
    description = {
      "Re-hashes every blob and manifest and checks every reference, tag and index entry.",
      "Exit code 0 when the store is sound, 1 when a problem was found (each is listed).",
      "While 'gapsync serve' holds the store, the daemon checks it (through its admin socket)."
    })
final class FsckCommand implements Callable<Integer> {

  @Mixin StoreMixin storeOption;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Override
  public Integer call() {
    FsckReport r;
    var daemon = storeOption.runningDaemon();
    if (daemon.isPresent()) {
      // The daemon checks the live store, with gc excluded, rather than a read-only snapshot.
      r = daemon.get().fsck();
    } else {
      try (Store store = storeOption.openReadOnly();
          Progress progress = Progress.onTerminal("Checking", 0)) {
        r = store.fsck((done, total) -> progress.set(done));
      }
    }
    var out = spec.commandLine().getOut();
    if (json) {
      JsonOutput.print(out, r);
    } else {
      for (FsckReport.Problem p : r.problems()) {
        out.println(p.kind() + " " + p.subject() + ": " + p.detail());
      }
      for (FsckReport.Problem p : r.orphans()) {
        out.println("note: " + p.kind() + " " + p.subject() + ": " + p.detail());
      }
      out.println(
          (r.ok() ? "OK: " : r.problems().size() + " problems: ")
              + r.blobsChecked()
              + " blobs ("
              + Sizes.human(r.bytesChecked())
              + "), "
              + r.manifestsChecked()
              + " manifests, "
              + r.tagsChecked()
              + " tags checked."
              + (r.orphans().isEmpty()
                  ? ""
                  : " "
                      + r.orphans().size()
                      + " orphan blob files (harmless: gapsync gc removes them)."));
    }
    return r.ok() ? 0 : 1;
  }
}
