/**
 * The one-way diode transport's wire format and forward error correction (docs/FORMAT.md section
 * 5): the datagram flyweight {@link io.gapsync.protocol.diode.DiodeFrame}, the signed per-object
 * {@link io.gapsync.protocol.diode.Announcement}, the control payloads, and the FEC behind {@link
 * io.gapsync.protocol.diode.ErasureCode}: systematic Cauchy Reed-Solomon over GF(2^8), byte-wise
 * ({@link io.gapsync.protocol.diode.ReedSolomon}, scheme 1) and as XOR bit matrices ({@link
 * io.gapsync.protocol.diode.CauchyBitMatrixCode}, scheme 2, what senders use). Nothing here does
 * I/O: the sender and receiver live in {@code io.gapsync.daemon.diode}.
 */
package io.gapsync.protocol.diode;
