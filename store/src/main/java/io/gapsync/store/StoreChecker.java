package io.gapsync.store;

import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestingInputStream;
import io.gapsync.protocol.Manifest;
import io.gapsync.protocol.ManifestParser;
import io.gapsync.protocol.ProtocolException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.rocksdb.RocksIterator;

/**
 * The store check behind {@code gapsync fsck}: re-hashes every blob from its chunks or its file
 * (streamed) and every manifest from its bytes, reports blob files that are missing, of the wrong
 * size or that no record names (orphans), checks that every manifest's references are held, that
 * every tag resolves, and that the reverse and referrers indexes point at manifests that exist.
 * Read-only; reports every problem rather than stopping at the first. The caller ({@link
 * Store#fsck}) holds the database lifecycle lock and keeps gc from running.
 */
final class StoreChecker {

  private final Store store;
  private final Db db;
  private final ManifestIndex manifests;
  private final BiConsumer<Long, Long> progress;
  private final List<FsckReport.Problem> problems = new ArrayList<>();
  private final List<FsckReport.Problem> orphans = new ArrayList<>();

  StoreChecker(Store store, Db db, ManifestIndex manifests, BiConsumer<Long, Long> progress) {
    this.store = store;
    this.db = db;
    this.manifests = manifests;
    this.progress = progress;
  }

  FsckReport run() {
    long totalBytes = store.stats().blobBytes();
    long[] blobs = checkBlobs(totalBytes);
    long manifests = checkManifests();
    long tags = checkTags();
    checkIndex(db.refs, "index-entry", "references");
    checkIndex(db.referrers, "index-entry", "refers to");
    return new FsckReport(blobs[0], blobs[1], manifests, tags, problems, orphans);
  }

  private void problem(String kind, String subject, String detail) {
    problems.add(new FsckReport.Problem(kind, subject, detail));
  }

  private long[] checkBlobs(long totalBytes) {
    long count = 0;
    long bytes = 0;
    byte[] buf = new byte[1 << 16];
    try (RocksIterator it = db.db.newIterator(db.blobs)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        String key = Keys.string(it.key());
        Digest d;
        Keys.BlobRecord r;
        try {
          d = Digest.parse(key);
          r = Keys.BlobRecord.decode(d, it.value());
        } catch (ProtocolException | StoreException e) {
          problem("blob-record", key, e.getMessage());
          continue;
        }
        count++;
        String where = r.inFile() ? " (file " + store.blobs().files().path(d) + ")" : "";
        try (DigestingInputStream din =
            new DigestingInputStream(
                r.inFile()
                    ? FileBlobStream.open(db, store.blobs().files(), d, r, 0)
                    : new ChunkInputStream(db, d, r, 0, null),
                d.algorithm())) {
          while (din.read(buf, 0, buf.length) >= 0) {
            // hashing as we go
          }
          bytes += din.count();
          if (!din.digest().equals(d)) {
            problem(
                "blob-digest",
                d.toString(),
                "content"
                    + where
                    + " hashes to "
                    + din.digest()
                    + ": the blob is corrupt; remove the images "
                    + "that use it (gapsync inventory who-uses) and add them again");
          }
        } catch (StoreException e) {
          problem(r.inFile() ? "blob-file" : "blob-chunks", d.toString(), e.getMessage());
        } catch (IOException e) {
          problem(
              r.inFile() ? "blob-file" : "blob-chunks",
              d.toString(),
              "reading" + where + " failed: " + e.getMessage());
        }
        if (progress != null) {
          progress.accept(bytes, totalBytes);
        }
      }
    }
    checkOrphanFiles();
    return new long[] {count, bytes};
  }

  /**
   * Reports blob files no record names (left by a crash between rename and record, or by a gc cut
   * short) and, when this process holds the store read-write, temporary files no upload owns.
   */
  private void checkOrphanFiles() {
    BlobFiles files = store.blobs().files();
    files.forEach(
        (d, path) -> {
          if (d == null) {
            problem(
                "blob-file-unknown",
                path.toString(),
                "is not named by a digest: gapsync did not write it; move it out of the store");
          } else if (!store.blobRecord(d).map(Keys.BlobRecord::inFile).orElse(false)) {
            orphans.add(
                new FsckReport.Problem(
                    "blob-file-orphan",
                    d.toString(),
                    "file "
                        + path
                        + " has no blob record (a crash before its record was written):"
                        + " harmless, gapsync gc removes it"));
          }
        });
    if (!store.readOnly()) {
      for (String name : store.blobs().staleTemps()) {
        orphans.add(
            new FsckReport.Problem(
                "blob-file-orphan",
                name,
                "temporary file "
                    + files.tempPath(name)
                    + " belongs to no upload in progress: harmless, gapsync gc removes it"));
      }
    }
  }

  private long checkManifests() {
    long count = 0;
    try (RocksIterator it = db.db.newIterator(db.manifests)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        String key = Keys.string(it.key());
        count++;
        Manifest m;
        try {
          Digest d = Digest.parse(key);
          byte[] bytes = Keys.manifestBytes(d, it.value());
          Digest actual = Digest.sha256Of(bytes);
          if (!actual.equals(d)) {
            problem(
                "manifest-digest", key, "bytes hash to " + actual + ": the manifest is corrupt");
            continue;
          }
          m =
              ManifestParser.parse(
                  bytes, Keys.manifestMediaType(d, it.value()), "stored manifest " + d);
        } catch (ProtocolException | StoreException e) {
          problem("manifest-invalid", key, e.getMessage());
          continue;
        }
        for (Descriptor ref : m.blobReferences()) {
          if (!store.hasBlob(ref.digest())) {
            problem(
                "manifest-reference", key, "references blob " + ref.digest() + " which is missing");
          } else if (store.blobSize(ref.digest()).orElse(-1L) != ref.size()) {
            problem(
                "manifest-reference",
                key,
                "references blob "
                    + ref.digest()
                    + " with size "
                    + ref.size()
                    + " but the store holds "
                    + store.blobSize(ref.digest()).orElse(-1L)
                    + " bytes");
          }
        }
        for (Descriptor ref : m.manifestReferences()) {
          if (!manifests.has(ref.digest())) {
            problem(
                "manifest-reference",
                key,
                "references manifest " + ref.digest() + " which is missing");
          }
        }
      }
    }
    return count;
  }

  private long checkTags() {
    long count = 0;
    for (TagInfo t : store.tags()) {
      count++;
      if (!manifests.has(t.digest())) {
        problem(
            "tag-target", t.reference(), "points at manifest " + t.digest() + " which is missing");
      }
    }
    return count;
  }

  private void checkIndex(org.rocksdb.ColumnFamilyHandle cf, String kind, String verb) {
    try (RocksIterator it = db.db.newIterator(cf)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        String[] p = Keys.split(it.key());
        if (!Digest.isValid(p[1]) || !manifests.has(Digest.parse(p[1]))) {
          problem(
              kind, p[1], "index says it " + verb + " " + p[0] + " but the manifest is missing");
        }
      }
    }
  }
}
