package io.gapsync.cli;

import io.gapsync.daemon.diode.OutboxSender;
import io.gapsync.daemon.diode.OutboxSenderConfig;
import io.gapsync.daemon.diode.PacketSink;
import io.gapsync.daemon.diode.PacketSinks;
import io.gapsync.protocol.trust.KeyFiles;
import io.gapsync.protocol.trust.SigningKey;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The connected side's outbox loop as {@code diode send --watch DIR} and {@code serve
 * --diode-send-to}: checks the options once, before anything starts ({@link #prepare}), then runs
 * an {@link OutboxSender} over a UDP socket ({@link #start}). Closing stops the loop, then closes
 * the socket.
 */
final class OutboxSending implements Closeable {

  /**
   * The checked settings.
   *
   * @param target where datagrams go
   * @param config the outbox loop's configuration
   * @param key the producer key that signs the announcements
   */
  record Setup(InetSocketAddress target, OutboxSenderConfig config, SigningKey key) {}

  private final OutboxSender sender;
  private final PacketSink sink;

  private OutboxSending(OutboxSender sender, PacketSink sink) {
    this.sender = sender;
    this.sink = sink;
  }

  /**
   * Checks the options and reads the key.
   *
   * @param spec the command, for usage errors
   * @param toOption the option naming the receiver ({@code --to}, {@code --diode-send-to})
   * @param to its value, {@code HOST:PORT}
   * @param outbox the folder to send from
   * @param key the private key file
   * @param options rate, MTU, FEC, passes
   * @param repeatLast how many of the newest archives to repeat while idle
   * @param repeatEvery the pause before each repeat, or null for the default
   * @throws ParameterException for a bad value (exit 2)
   * @throws IOException if the key cannot be read
   */
  static Setup prepare(
      CommandSpec spec,
      String toOption,
      String to,
      Path outbox,
      Path key,
      DiodeSendOptions options,
      int repeatLast,
      String repeatEvery)
      throws IOException {
    InetSocketAddress target = DiodeCommand.parseAddress(spec, toOption, to);
    if (repeatLast < 0) {
      throw new ParameterException(
          spec.commandLine(),
          "Invalid number of archives to repeat " + repeatLast + ": expected 0 or more");
    }
    Duration every =
        repeatEvery == null
            ? OutboxSenderConfig.REPEAT_EVERY_DEFAULT
            : ArchiveOptions.parseDuration(repeatEvery);
    OutboxSenderConfig config =
        OutboxSenderConfig.defaults(outbox, options.config(spec)).withRepeat(repeatLast, every);
    return new Setup(target, config, KeyFiles.readPrivate(key));
  }

  /**
   * Opens the socket and starts the loop.
   *
   * @param setup what {@link #prepare} checked
   * @return the running loop; the caller closes it
   * @throws IOException if the socket cannot be opened or the outbox cannot be read
   */
  static OutboxSending start(Setup setup) throws IOException {
    PacketSink sink = PacketSinks.udp(setup.target());
    try {
      OutboxSender sender =
          OutboxSender.start(
              setup.config(),
              setup.key(),
              sink,
              "udp://" + setup.target().getHostString() + ":" + setup.target().getPort(),
              new OutboxSender.Listener() {});
      return new OutboxSending(sender, sink);
    } catch (IOException | RuntimeException e) {
      sink.close();
      throw e;
    }
  }

  /** Returns the running loop (status and metrics). */
  OutboxSender sender() {
    return sender;
  }

  /** A line for standard output saying what runs. */
  static String describe(Setup s) {
    OutboxSenderConfig c = s.config();
    return "Sending every new archive of "
        + c.outbox()
        + " to udp://"
        + s.target().getHostString()
        + ":"
        + s.target().getPort()
        + " ("
        + c.sender().passes()
        + " pass(es)"
        + (c.repeatLast() == 0
            ? ""
            : "; repeating the newest "
                + c.repeatLast()
                + " every "
                + c.repeatEvery().toSeconds()
                + " s while idle")
        + "); what was sent is recorded in "
        + c.outbox().resolve(".diode-sent")
        + ".";
  }

  @Override
  public void close() throws IOException {
    try {
      sender.close();
    } finally {
      sink.close();
    }
  }
}
