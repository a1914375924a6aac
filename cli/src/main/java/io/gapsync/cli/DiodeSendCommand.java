package io.gapsync.cli;

import io.gapsync.daemon.diode.DiodeSender;
import io.gapsync.daemon.diode.DiodeSenderConfig;
import io.gapsync.daemon.diode.SendReport;
import io.gapsync.daemon.diode.UdpPacketSink;
import io.gapsync.protocol.trust.KeyFiles;
import io.gapsync.protocol.trust.SigningKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gapsync diode send --to HOST:PORT --key KEY FILE...}: sends files over the diode. */
@Command(
    name = "send",
    mixinStandardHelpOptions = true,
    description = {
      "Sends files over a data diode to a 'diode receive' (or 'serve --diode-listen'), paced",
      "to --rate, with K data + M parity Reed-Solomon symbols per block, every file --passes",
      "times. Each file's announcement is signed with --key; the receiver checks it against",
      "its --trust file and publishes a file only once its sha256 matches. No datagram is",
      "larger than the MTU minus 48 bytes, so nothing is IP-fragmented."
    })
final class DiodeSendCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "HOST:PORT",
      description = "The receiver's address.")
  String to;

  @Option(
      names = "--key",
      required = true,
      paramLabel = "KEY",
      description = "Private key file (PREFIX.key) that signs each file's announcement.")
  Path key;

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
          "Data and parity symbols per block (default: ${DEFAULT-VALUE}, 10 % overhead;"
              + " K + M <= 256).")
  String fec;

  @Option(
      names = "--interleave",
      paramLabel = "BLOCKS",
      defaultValue = "32",
      description = "Blocks sent interleaved; a burst of BLOCKS x M datagrams is survivable.")
  int interleave;

  @Option(
      names = "--passes",
      paramLabel = "N",
      defaultValue = "1",
      description = "Send every file N times (a carousel; the receiver uses symbols of any pass).")
  int passes;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "The files to send.")
  List<Path> files;

  @Override
  public Integer call() throws IOException {
    DiodeSenderConfig config;
    try {
      String[] km = fec.split(":", -1);
      if (km.length != 2) {
        throw new IllegalArgumentException("Invalid FEC '" + fec + "': expected K:M, e.g. 200:20");
      }
      config =
          DiodeSenderConfig.defaults()
              .withRate(ArchiveOptions.parseSize(rate))
              .withMtu(mtu)
              .withFec(Integer.parseInt(km[0]), Integer.parseInt(km[1]), interleave)
              .withPasses(passes);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    for (Path f : files) {
      if (!Files.isRegularFile(f)) {
        throw new CliException(
            "Tried to send " + f + " over the diode but it is not a readable regular file");
      }
    }
    SigningKey signingKey = KeyFiles.readPrivate(key);
    PrintWriter out = spec.commandLine().getOut();
    SendReport r;
    try (UdpPacketSink sink = new UdpPacketSink(DiodeCommand.parseAddress(spec, "--to", to))) {
      r = new DiodeSender(config, signingKey, sink).send(files);
    }
    out.println(
        String.format(
            Locale.ROOT,
            "Sent %d file(s), %d bytes, %d pass(es) to %s: %d datagrams in %.1f s, goodput %.0f"
                + " Mbit/s, FEC %s, sender epoch %08x.",
            r.objects(),
            r.bytes(),
            r.passes(),
            to,
            r.packets(),
            r.elapsed().toNanos() / 1e9,
            r.goodputBitsPerSecond() / 1e6,
            fec,
            r.epoch()));
    return 0;
  }
}
