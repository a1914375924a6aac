/**
 * The one-way data diode transport (docs/ARCHITECTURE.md, "The diode transport"; wire format in
 * docs/FORMAT.md section 5): {@link io.gapsync.daemon.diode.DiodeSender}, a paced packet pump that
 * Reed-Solomon encodes files on the fly and repeats them as a carousel, and {@link
 * io.gapsync.daemon.diode.DiodeReceiver}, which persists partial objects in the spool, repairs
 * damaged blocks, verifies each object's sha256 before it appears, and reports what is beyond
 * repair. The sender's datagrams leave through a {@link io.gapsync.daemon.diode.PacketSink} that
 * {@link io.gapsync.daemon.diode.PacketSinks#udp} opens: UDP GSO batches over Netty epoll, or one
 * JDK write per datagram where epoll is missing. Loss is injected through {@link
 * io.gapsync.daemon.diode.LossModel} so tests reproduce gaps. {@link
 * io.gapsync.daemon.diode.OutboxSender} is the connected side's loop that sends every new archive
 * of an export outbox, in export order, once each across restarts.
 */
package io.gapsync.daemon.diode;
