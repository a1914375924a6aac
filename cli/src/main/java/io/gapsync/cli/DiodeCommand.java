package io.gapsync.cli;

import java.net.InetSocketAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * {@code gapsync diode ...}: one-way transfer of files over a data diode (UDP, no back channel).
 */
@Command(
    name = "diode",
    mixinStandardHelpOptions = true,
    description = {
      "Sends files one way over a data diode (UDP with Reed-Solomon FEC, no back channel) and",
      "receives them into a spool. See docs/OPERATIONS.md, \"The diode\"."
    },
    subcommands = {DiodeSendCommand.class, DiodeReceiveCommand.class})
final class DiodeCommand implements Runnable {

  @picocli.CommandLine.Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "Missing command: choose one of the commands below");
  }

  /** Parses {@code HOST:PORT} for an option of a diode command. */
  static InetSocketAddress parseAddress(CommandSpec spec, String option, String value) {
    return HostPort.parse(spec, option, value, "10.0.0.2:7700");
  }
}
