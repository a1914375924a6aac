package io.gapsync.protocol.archive;

import io.gapsync.protocol.Digest;
import java.io.IOException;
import java.io.InputStream;

/** Where an {@link ArchiveWriter} reads entry content from (the connected side's store). */
@FunctionalInterface
public interface ContentSource {

  /**
   * Opens an entry's content from its start. The writer may open the same content more than once (a
   * sample, a pass that computes the stored size and digest, then the write itself).
   *
   * @param digest the content digest
   * @param kind blob or manifest
   * @return a stream the writer closes
   * @throws IOException if the content cannot be read
   */
  InputStream open(Digest digest, EntryKind kind) throws IOException;
}
