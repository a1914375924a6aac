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

  /**
   * Parses {@code HOST:PORT} ({@code [v6]:PORT} for IPv6) for an option.
   *
   * @throws ParameterException naming the option and an example
   */
  static InetSocketAddress parseAddress(CommandSpec spec, String option, String value) {
    int colon = value.lastIndexOf(':');
    String host = colon > 0 ? value.substring(0, colon) : "";
    String port = colon >= 0 ? value.substring(colon + 1) : "";
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      p = -1;
    }
    if (host.isEmpty() || p < 0 || p > 65535) {
      throw new ParameterException(
          spec.commandLine(),
          "Invalid value for option '"
              + option
              + "': '"
              + value
              + "' is not HOST:PORT (e.g. 10.0.0.2:7700)");
    }
    return new InetSocketAddress(host, p);
  }
}
