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
 * @param orphans blob files no record names (left by a crash between writing a blob's file and
 *     recording it, or by a gc cut short) and temporary files no upload owns: garbage, not damage
 *     (a kill must leave a sound store), so they are listed here rather than as problems; {@code
 *     gapsync gc} removes them. Kind {@code blob-file-orphan}.
 */
public record FsckReport(
    long blobsChecked,
    long bytesChecked,
    long manifestsChecked,
    long tagsChecked,
    List<Problem> problems,
    List<Problem> orphans) {

  /** Copies the lists; a missing list (JSON from an older daemon) is empty. */
  public FsckReport {
    problems = List.copyOf(problems);
    orphans = orphans == null ? List.of() : List.copyOf(orphans);
  }

  /** Returns true if no problem was found. */
  public boolean ok() {
    return problems.isEmpty();
  }

  /**
   * One thing that is wrong.
   *
   * @param kind a stable kind: {@code blob-digest}, {@code blob-chunks}, {@code blob-record},
   *     {@code blob-file} (a blob's file is missing or of the wrong size), {@code
   *     blob-file-unknown} (a file in the blob folders not named by a digest), {@code
   *     blob-file-orphan} (in {@link FsckReport#orphans} only), {@code manifest-digest}, {@code
   *     manifest-invalid}, {@code manifest-reference}, {@code tag-target}, {@code index-entry}
   * @param subject the object: a digest or {@code repo:tag}
   * @param detail what is wrong and what to do
   */
  public record Problem(String kind, String subject, String detail) {}
}
