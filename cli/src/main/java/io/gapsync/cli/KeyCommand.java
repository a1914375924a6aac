package io.gapsync.cli;

import picocli.CommandLine.Command;

/** {@code gapsync key ...}: producer signing keys. */
@Command(
    name = "key",
    mixinStandardHelpOptions = true,
    description = "Manages the Ed25519 keys that sign archives.",
    subcommands = {KeyGenerateCommand.class})
final class KeyCommand implements Runnable {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "Missing command: choose one of the commands below");
  }
}
