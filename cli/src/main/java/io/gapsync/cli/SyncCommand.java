package io.gapsync.cli;

import io.gapsync.cli.registry.RegistryClient;
import io.gapsync.cli.sync.SyncSet;
import io.gapsync.cli.sync.SyncSetException;
import io.gapsync.cli.sync.SyncSetParser;
import io.gapsync.store.Store;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gapsync sync -f FILE}: mirrors a sync set from upstream registries into the store. */
@Command(
    name = "sync",
    mixinStandardHelpOptions = true,
    description = {
      "Mirrors the images, Helm charts and files a sync set lists (kind: SyncSet, see",
      "docs/SYNC.md) from upstream registries into the store. Resolves tag filters",
      "(regex, semver, newest N) and platforms, downloads only blobs the store lacks,",
      "moves tags that changed upstream, and prints one line per tag:",
      "  +  new     ~  updated (old -> new digest)     =  unchanged     !  no tag matched",
      "An unchanged tag costs one HEAD request. --dry-run resolves and prints the same",
      "without downloading or storing anything."
    })
final class SyncCommand implements Callable<Integer> {

  @Mixin StoreMixin storeOption;

  @Mixin RegistryMixin registryOptions;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-f", "--file"},
      required = true,
      paramLabel = "FILE",
      description = "The sync set (YAML).")
  Path file;

  @Option(names = "--dry-run", description = "Resolve and print what would change; store nothing.")
  boolean dryRun;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    SyncSet set;
    try {
      set = SyncSetParser.read(file);
    } catch (SyncSetException e) {
      throw new CliException(e.getMessage(), e);
    }
    RegistryClient client =
        new RegistryClient(registryOptions.options().withRewrites(set.rewrites()));
    Syncer.Report report;
    Store opened;
    DaemonClient daemon = null;
    if (dryRun && java.nio.file.Files.isDirectory(storeOption.storePath())) {
      opened = storeOption.openReadOnly();
    } else {
      try {
        opened = storeOption.openWritable();
      } catch (io.gapsync.store.StoreException e) {
        // A daemon holds the store: write through its admin socket, read a read-only view.
        daemon = storeOption.daemonFor(e);
        opened = storeOption.openReadOnly();
      }
    }
    try (Store store = opened) {
      report = new Syncer(store, daemon, client, dryRun).run(set);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      JsonOutput.print(out, report);
      return 0;
    }
    for (Syncer.Change c : report.changes()) {
      out.println(line(c, report.dryRun()));
    }
    long count = report.changes().stream().filter(c -> c.kind() != Syncer.Kind.UNCHANGED).count();
    out.println(
        (report.dryRun() ? "Dry run: " + count + " tags would change; " : count + " tags changed; ")
            + report.blobsAdded()
            + " new blobs ("
            + Sizes.human(report.bytesAdded())
            + "), "
            + report.blobsPresent()
            + " already held, "
            + report.manifestsAdded()
            + " new manifests, "
            + report.requests()
            + " registry requests");
    return 0;
  }

  private static String line(Syncer.Change c, boolean dryRun) {
    String would = dryRun ? "would " : "";
    return switch (c.kind()) {
      case NEW ->
          "+ "
              + c.target()
              + " "
              + (c.after() == null ? "" : c.after() + " ")
              + "("
              + c.what()
              + ", "
              + would
              + "add from "
              + c.source()
              + ")";
      case UPDATED ->
          "~ "
              + c.target()
              + " "
              + c.before()
              + " -> "
              + (c.after() == null ? "?" : c.after())
              + " ("
              + c.what()
              + ", "
              + would
              + "update from "
              + c.source()
              + ")";
      case UNCHANGED -> "= " + c.target() + " " + c.after() + " (" + c.what() + ")";
      case NO_MATCH -> "! " + c.source() + ": no tag matches the filter";
    };
  }
}
