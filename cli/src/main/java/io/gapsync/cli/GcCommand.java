package io.gapsync.cli;

import io.gapsync.store.GcReport;
import io.gapsync.store.Store;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gapsync gc}: removes what no tag reaches. */
@Command(
    name = "gc",
    mixinStandardHelpOptions = true,
    description = {
      "Removes manifests no tag reaches (directly, through an index, or as a referrer of a",
      "kept manifest), the blobs only they used, and leftovers of failed uploads.",
      "While 'gapsync serve' holds the store, the daemon collects (through its admin socket)."
    })
final class GcCommand implements Callable<Integer> {

  @Mixin StoreMixin storeOption;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  @Override
  public Integer call() {
    GcReport r = null;
    Store opened = null;
    try {
      opened = storeOption.openWritable();
    } catch (io.gapsync.store.StoreException e) {
      r = storeOption.daemonFor(e).gc();
    }
    if (opened != null) {
      try (Store store = opened) {
        r = store.gc();
      }
    }
    var out = spec.commandLine().getOut();
    if (json) {
      JsonOutput.print(out, r);
    } else {
      out.println(
          "Removed "
              + r.manifestsRemoved()
              + " manifests and "
              + r.blobsRemoved()
              + " blobs ("
              + Sizes.human(r.bytesRemoved())
              + "); kept "
              + r.manifestsKept()
              + " manifests and "
              + r.blobsKept()
              + " blobs.");
    }
    return 0;
  }
}
