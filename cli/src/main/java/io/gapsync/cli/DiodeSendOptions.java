package io.gapsync.cli;

import io.gapsync.daemon.diode.DiodeSenderConfig;
import io.gapsync.protocol.diode.BlockLayout;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * How files go over the diode: the options shared by {@code diode send} and {@code serve
 * --diode-send-to}, turned into one validated {@link DiodeSenderConfig}.
 */
final class DiodeSendOptions {

  /** The option names, to tell whether any was given (serve accepts them only with a sender). */
  static final List<String> NAMES =
      List.of("--rate", "--mtu", "--fec", "--interleave", "--outer", "--passes");

  @Option(
      names = "--rate",
      paramLabel = "BITS",
      defaultValue = "800M",
      description =
          "Pacing rate in bits/s counting Ethernet, IP and UDP headers: 800M (default), 1.5G.")
  String rate;

  @Option(
      names = "--mtu",
      paramLabel = "BYTES",
      defaultValue = "1500",
      description = "The link's MTU (default: ${DEFAULT-VALUE}; 9000 for jumbo frames).")
  int mtu;

  @Option(
      names = "--fec",
      paramLabel = "K:M",
      defaultValue = "200:20",
      description =
          "Data and parity symbols per block (default: ${DEFAULT-VALUE}, 10 %% overhead;"
              + " K + M <= 256).")
  String fec;

  @Option(
      names = "--interleave",
      paramLabel = "BLOCKS",
      defaultValue = "32",
      description = "Blocks sent interleaved; a burst of BLOCKS x M datagrams is survivable.")
  int interleave;

  @Option(
      names = "--outer",
      paramLabel = "BLOCKS",
      defaultValue = "auto",
      description =
          "Send one outer block (the XOR of the group) per BLOCKS blocks, so a block that lost"
              + " more than M symbols is restored from the others in the same pass: a multiple"
              + " of --interleave up to 255, 0 for none, or auto (default: the largest multiple"
              + " of --interleave up to 255, 224 at 32; costs 1/BLOCKS more).")
  String outer;

  @Option(
      names = "--passes",
      paramLabel = "N",
      defaultValue = "1",
      description = "Send every file N times (a carousel; the receiver uses symbols of any pass).")
  int passes;

  /**
   * Returns the sender configuration.
   *
   * @throws ParameterException naming the bad value
   */
  DiodeSenderConfig config(CommandSpec spec) {
    try {
      String[] km = fec.split(":", -1);
      if (km.length != 2) {
        throw new IllegalArgumentException("Invalid FEC '" + fec + "': expected K:M, e.g. 200:20");
      }
      return DiodeSenderConfig.defaults()
          .withRate(ArchiveOptions.parseSize(rate))
          .withMtu(mtu)
          .withFec(Integer.parseInt(km[0]), Integer.parseInt(km[1]), interleave)
          .withOuter(parseOuter(outer))
          .withPasses(passes);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private static int parseOuter(String value) {
    if ("auto".equals(value)) {
      return DiodeSenderConfig.OUTER_AUTO;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "Invalid outer '" + value + "': expected auto, 0 or a number of blocks");
    }
  }

  /** Returns the FEC in words for reports: "240:16, outer 1 per 224 blocks, 7.1 %". */
  static String describe(DiodeSenderConfig c) {
    int g = c.outerBlocks();
    double overhead = BlockLayout.overhead(c.k(), c.m(), g);
    return String.format(
        java.util.Locale.ROOT,
        "%d:%d%s (%.1f %% overhead)",
        c.k(),
        c.m(),
        g == 0 ? "" : ", outer 1 per " + g + " blocks",
        100 * overhead);
  }

  /** True if any of these options was given on the command line. */
  static boolean anyGiven(CommandSpec spec) {
    return NAMES.stream().anyMatch(n -> spec.commandLine().getParseResult().hasMatchedOption(n));
  }
}
