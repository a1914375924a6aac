package io.gapsync.cli.transport;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * Read access to the files of an OCI image layout by relative name ({@code index.json}, {@code
 * blobs/sha256/<hex>}), whether the layout is a directory or a tar archive. Implementations refuse
 * anything but regular files reached without links.
 */
interface LayoutFiles extends Closeable {

  /**
   * Returns the size of the regular file at a relative name, or -1 if there is none.
   *
   * @param name a relative name with {@code /} separators, no {@code .} or {@code ..}
   * @throws TransportException with {@code UNSAFE_ENTRY} if the name leads through a link or to
   *     something other than a regular file
   */
  long size(String name) throws IOException;

  /**
   * Opens the regular file at a relative name; the caller closes the stream.
   *
   * @param name a name for which {@link #size} returned a size
   * @throws IOException if the file is missing or cannot be read
   */
  InputStream open(String name) throws IOException;
}
