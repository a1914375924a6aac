package io.gapsync.cli;

import io.gapsync.protocol.CompactInventory;
import io.gapsync.protocol.InventoryReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads inventory files named on the command line, with messages that name the file. */
final class InventoryFiles {

  private InventoryFiles() {}

  static CompactInventory read(Path file) throws IOException {
    try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      return new InventoryReader().readCompact(in, file.toString());
    } catch (NoSuchFileException e) {
      throw new CliException("Tried to read the inventory " + file + " but there is no such file");
    }
  }
}
