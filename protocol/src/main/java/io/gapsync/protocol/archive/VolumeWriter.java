package io.gapsync.protocol.archive;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes an archive into a folder, either as one file {@code NAME} or, with a volume size, as
 * numbered volumes {@code NAME.vol001, NAME.vol002, ...} of at most that size plus their index
 * {@code NAME.volumes.json}, and the checksum file {@code NAME.sha256} ({@link ChecksumFile})
 * listing them. Every file is written under a {@code .partial} name, synced, and renamed only by
 * {@link #finish()}; {@link #close()} without finish deletes what was written, so a failed export
 * leaves nothing that looks complete. Not thread-safe.
 */
public final class VolumeWriter extends OutputStream {

  /** Smallest volume size accepted (64 KiB). */
  public static final long VOLUME_SIZE_MIN_BYTES = 64 * 1024;

  private final Path dir;
  private final String name;
  private final long volumeSize;
  private final List<Path> partials = new ArrayList<>();
  private final List<VolumeIndex.Volume> volumes = new ArrayList<>();
  private FileChannel channel;
  private OutputStream current;
  private MessageDigest sha256;
  private long written;
  private long total;
  private boolean finished;
  private boolean checksumWritten;

  /**
   * Creates a writer.
   *
   * @param dir the output folder (created if absent)
   * @param name the archive's file name
   * @param volumeSize the largest volume in bytes, or 0 for a single file
   * @throws IOException if the folder cannot be created
   */
  public VolumeWriter(Path dir, String name, long volumeSize) throws IOException {
    if (volumeSize != 0 && volumeSize < VOLUME_SIZE_MIN_BYTES) {
      throw new IllegalArgumentException(
          "volume size "
              + volumeSize
              + " is below the minimum of "
              + VOLUME_SIZE_MIN_BYTES
              + " bytes");
    }
    this.dir = dir;
    this.name = name;
    this.volumeSize = volumeSize;
    Files.createDirectories(dir);
  }

  /** Returns true if the archive is split into volumes. */
  public boolean split() {
    return volumeSize > 0;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (current == null || (volumeSize > 0 && written == volumeSize)) {
        nextVolume();
      }
      int n = volumeSize > 0 ? (int) Math.min(len, volumeSize - written) : len;
      current.write(b, off, n);
      sha256.update(b, off, n);
      written += n;
      total += n;
      off += n;
      len -= n;
    }
  }

  private void nextVolume() throws IOException {
    closeVolume();
    String file = volumeSize > 0 ? VolumeIndex.volumeName(name, volumes.size() + 1) : name;
    Path partial = dir.resolve(file + ".partial");
    partials.add(partial);
    channel = FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    current = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
    sha256 = DigestAlgorithm.SHA256.newMessageDigest();
    written = 0;
    volumes.add(null);
  }

  private void closeVolume() throws IOException {
    if (current == null) {
      return;
    }
    current.flush();
    channel.force(true);
    current.close();
    int n = volumes.size();
    String file = volumeSize > 0 ? VolumeIndex.volumeName(name, n) : name;
    volumes.set(
        n - 1,
        new VolumeIndex.Volume(
            file, written, Digest.fromRaw(DigestAlgorithm.SHA256, sha256.digest())));
    current = null;
    channel = null;
  }

  /**
   * Syncs and renames every file into place; with volumes, writes the index last.
   *
   * @return the files written, the index last if split
   * @throws IOException if syncing or renaming fails
   */
  public List<Path> finish() throws IOException {
    if (current == null && volumes.isEmpty()) {
      nextVolume();
    }
    closeVolume();
    byte[] indexBytes =
        volumeSize > 0 ? new VolumeIndex(name, total, volumes).toBytes() : new byte[0];
    // The checksum file first: whoever sees the archive's files also finds their digests, and the
    // checksum file is never older than them (ChecksumFile.lookup relies on that).
    Map<String, Digest> sums = new LinkedHashMap<>();
    for (VolumeIndex.Volume v : volumes) {
      sums.put(v.name(), v.sha256());
    }
    if (volumeSize > 0) {
      sums.put(name + VolumeIndex.SUFFIX, Digest.sha256Of(indexBytes));
    }
    ChecksumFile.write(checksumFile(), sums);
    checksumWritten = true;
    List<Path> out = new ArrayList<>();
    for (int i = 0; i < partials.size(); i++) {
      Path target = dir.resolve(volumes.get(i).name());
      Files.move(partials.get(i), target, StandardCopyOption.ATOMIC_MOVE);
      out.add(target);
    }
    if (volumeSize > 0) {
      Path index = dir.resolve(name + VolumeIndex.SUFFIX);
      Path partial = dir.resolve(name + VolumeIndex.SUFFIX + ".partial");
      Files.write(partial, indexBytes, StandardOpenOption.CREATE_NEW);
      try (FileChannel c = FileChannel.open(partial, StandardOpenOption.WRITE)) {
        c.force(true);
      }
      Files.move(partial, index, StandardCopyOption.ATOMIC_MOVE);
      out.add(index);
    }
    finished = true;
    return out;
  }

  /**
   * Returns the archive's checksum file, {@code NAME.sha256} ({@link ChecksumFile}), written by
   * {@link #finish()} before the archive's files are renamed into place; not among the files {@link
   * #finish()} returns.
   */
  public Path checksumFile() {
    return dir.resolve(name + ChecksumFile.SUFFIX);
  }

  /** Returns the volumes written (after {@link #finish()}). */
  public List<VolumeIndex.Volume> volumes() {
    return List.copyOf(volumes);
  }

  /** Returns the bytes written. */
  public long size() {
    return total;
  }

  /** Deletes the partial files unless {@link #finish()} succeeded. */
  @Override
  public void close() throws IOException {
    if (finished) {
      return;
    }
    finished = true;
    if (current != null) {
      try {
        current.close();
      } catch (IOException e) {
        // Deleting it anyway.
      }
    }
    for (Path p : partials) {
      Files.deleteIfExists(p);
    }
    if (checksumWritten) {
      Files.deleteIfExists(checksumFile());
    }
  }
}
