package io.gapsync.cli;

import picocli.CommandLine.Command;

/** {@code gapsync inventory}: the inventory manifest and the queries built on it. */
@Command(
    name = "inventory",
    mixinStandardHelpOptions = true,
    description = {
      "The inventory manifest: what a site holds, and what another site lacks.",
      "The inventory travels from the offline site back to the connected side; the",
      "connected side plans the layer-level delta against it."
    },
    subcommands = {
      InventoryExportCommand.class,
      InventoryMissingCommand.class,
      InventoryDiffCommand.class,
      InventoryWhoUsesCommand.class
    })
final class InventoryCommand implements Runnable {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "Missing subcommand: export, missing, diff or who-uses");
  }
}
