package io.gapsync.store;

import java.util.List;

/**
 * What a store check found. {@link #ok()} is true when nothing is wrong; each problem names the
 * object and what is wrong with it.
 *
 * @param blobsChecked blobs re-hashed
 * @param bytesChecked bytes re-hashed
 * @param manifestsChecked manifests re-hashed and parsed
 * @param tagsChecked tags resolved
 * @param problems what is wrong, empty if nothing
 */
public record FsckReport(
    long blobsChecked,
    long bytesChecked,
    long manifestsChecked,
    long tagsChecked,
    List<Problem> problems) {

  /** Copies the list. */
  public FsckReport {
    problems = List.copyOf(problems);
  }

  /** Returns true if no problem was found. */
  public boolean ok() {
    return problems.isEmpty();
  }

  /**
   * One thing that is wrong.
   *
   * @param kind a stable kind: {@code blob-digest}, {@code blob-chunks}, {@code blob-record},
   *     {@code blob-file} (a blob's file is missing or of the wrong size), {@code blob-file-orphan}
   *     (a file no record names: harmless, gc removes it), {@code manifest-digest}, {@code
   *     manifest-invalid}, {@code manifest-reference}, {@code tag-target}, {@code index-entry}
   * @param subject the object: a digest or {@code repo:tag}
   * @param detail what is wrong and what to do
   */
  public record Problem(String kind, String subject, String detail) {}
}
