package io.gapsync.cli;

import io.gapsync.daemon.archive.ArchiveImporter;
import io.gapsync.daemon.sync.StoreInventory;
import io.gapsync.store.Store;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gapsync inventory export -o FILE}. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Writes the inventory manifest of this store: site id, time, every tag, manifest and",
      "blob (digest and size), sorted and canonical (docs/FORMAT.md). Written atomically."
    })
final class InventoryExportCommand implements Callable<Integer> {

  @Mixin StoreMixin storeOption;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "FILE",
      description = "Where to write it ('-' for standard output).")
  String output;

  @Override
  public Integer call() throws Exception {
    try (Store store = storeOption.openReadOnly()) {
      if (output.equals("-")) {
        OutputStream out = System.out;
        StoreInventory.write(store, out, Instant.now(), ArchiveImporter.watermarks(store));
        out.flush();
        return 0;
      }
      Path target = Path.of(output).toAbsolutePath();
      Path tmp = Files.createTempFile(target.getParent(), ".inventory-", ".partial");
      try {
        try (OutputStream out =
            new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
          StoreInventory.write(store, out, Instant.now(), ArchiveImporter.watermarks(store));
        }
        // createTempFile makes the file 0600; an inventory is meant to be carried and reviewed.
        Files.setPosixFilePermissions(
            tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(
            tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
      spec.commandLine()
          .getErr()
          .println("Wrote the inventory of site " + store.siteId() + " to " + target);
    }
    return 0;
  }
}
