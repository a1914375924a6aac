package io.gapsync.cli;

import java.net.InetSocketAddress;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** The {@code HOST:PORT} values of options such as {@code --listen}, {@code --to}. */
final class HostPort {

  private HostPort() {}

  /**
   * Parses {@code HOST:PORT} ({@code [v6]:PORT} for IPv6) for an option.
   *
   * @param example a valid value shown in the error, e.g. {@code 10.0.0.2:7700}
   * @throws ParameterException naming the option and the example
   */
  static InetSocketAddress parse(CommandSpec spec, String option, String value, String example) {
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
              + "' is not HOST:PORT (e.g. "
              + example
              + ")");
    }
    return new InetSocketAddress(host, p);
  }
}
