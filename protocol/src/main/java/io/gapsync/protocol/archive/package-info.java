/**
 * The signed diff archive (docs/FORMAT.md section 4): a header, a signed {@link
 * io.gapsync.protocol.archive.ArchiveStatement} verified before anything else is read, then the
 * entries in statement order, each framed and streamed, then a trailer. {@link
 * io.gapsync.protocol.archive.ArchiveWriter} writes one with bounded memory from a {@link
 * io.gapsync.protocol.archive.ContentSource}; {@link io.gapsync.protocol.archive.ArchiveReader}
 * verifies the signatures (against a {@link io.gapsync.protocol.trust.TrustPolicy}) and the expiry
 * first, then hands out each entry's decoded content as a stream that checks the stored digest and
 * the content digest as it ends, so a corrupt entry is named. {@link
 * io.gapsync.protocol.archive.VolumeWriter} and {@link io.gapsync.protocol.archive.ArchiveFiles}
 * split an archive into numbered volumes with an index of their hashes and reassemble them.
 *
 * <p>zstd-jni does the compression; no zstd-jni type appears in a public signature.
 */
package io.gapsync.protocol.archive;
