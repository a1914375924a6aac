package io.gapsync.store;

import java.nio.channels.FileChannel;

/**
 * Part of a blob kept in a file ({@link Store#openBlobFile}): the file, open for reading, and the
 * region of it to send, for zero-copy serving (sendfile). The caller closes the channel.
 *
 * @param channel the blob's file, open for reading; owned by the caller
 * @param position the first byte of the region in the file (the blob's offset)
 * @param count the bytes of the region
 */
public record BlobFileRegion(FileChannel channel, long position, long count) {}
