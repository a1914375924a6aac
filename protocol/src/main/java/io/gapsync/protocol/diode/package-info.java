/**
 * The one-way diode transport's wire format and forward error correction (docs/FORMAT.md section
 * 5): the datagram flyweight {@link io.gapsync.protocol.diode.DiodeFrame}, the signed per-object
 * {@link io.gapsync.protocol.diode.Announcement}, the control payloads, and the systematic Cauchy
 * Reed-Solomon code {@link io.gapsync.protocol.diode.ReedSolomon} over GF(2^8). Nothing here does
 * I/O: the sender and receiver live in {@code io.gapsync.daemon.diode}.
 */
package io.gapsync.protocol.diode;
