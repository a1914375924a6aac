package io.gapsync.cli;

import io.gapsync.daemon.archive.ArchiveImporter;
import io.gapsync.daemon.sync.StoreInventory;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.SortedMap;
import java.util.TreeMap;
import picocli.CommandLine;

/**
 * Runs the CLI with the archive commands ({@code key}, {@code export}, {@code import}) registered,
 * whether or not {@link GapsyncCli} lists them yet, with an injected clock.
 */
final class ArchiveCli {

  private ArchiveCli() {}

  static CliRun run(Clock clock, String... args) {
    CommandLine cl = GapsyncCli.commandLine();
    ExportCommand export = new ExportCommand();
    export.clock = clock;
    ImportCommand imp = new ImportCommand();
    imp.clock = clock;
    replace(cl, "key", new KeyCommand());
    replace(cl, "export", export);
    replace(cl, "import", imp);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }

  private static void replace(CommandLine cl, String name, Object command) {
    if (cl.getSubcommands().containsKey(name)) {
      cl.getCommandSpec().removeSubcommand(name);
    }
    cl.addSubcommand(name, command);
  }

  /** Writes a site's inventory, with the watermarks its imports recorded. */
  static Path inventory(Path site, Path file, Clock clock) throws Exception {
    try (Store s = Store.open(site, StoreOptions.defaults().asReadOnly());
        OutputStream out = Files.newOutputStream(file)) {
      SortedMap<String, Long> watermarks = new TreeMap<>();
      s.metaWithPrefix(ArchiveImporter.WATERMARK_PREFIX)
          .forEach(
              (k, v) ->
                  watermarks.put(
                      k.substring(ArchiveImporter.WATERMARK_PREFIX.length()), Long.parseLong(v)));
      StoreInventory.write(s, out, clock.instant(), watermarks);
    }
    return file;
  }
}
