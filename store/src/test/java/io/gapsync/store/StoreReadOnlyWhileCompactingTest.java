package io.gapsync.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.FlushOptions;

/**
 * A read-only instance (what {@code gapsync ls}, {@code get} and {@code inventory} open while the
 * daemon holds the store) keeps reading after the read-write instance's compaction has deleted
 * every table file that existed when the read-only instance opened: it opened them all up front.
 */
class StoreReadOnlyWhileCompactingTest {

  @TempDir Path dir;

  @Test
  void readOnlyInstanceReadsEverythingAfterThePrimaryCompactsItsFilesAway() throws Exception {
    Path path = dir.resolve("store");
    List<Digest> blobs = new ArrayList<>();
    try (Store primary = Fixtures.open(path)) {
      // Several flushes: several table files per column family.
      for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 8; i++) {
          byte[] layer = Fixtures.random(round * 100L + i, 3 * Fixtures.CHUNK);
          blobs.add(Fixtures.put(primary, layer));
          primary.tag("r" + round, "t" + i, manifestOf(primary, layer));
        }
        flush(primary);
      }
      try (Store reader = Store.open(path, Fixtures.OPTIONS.asReadOnly())) {
        Set<String> before = tableFiles(path);
        // The primary rewrites everything into new files and deletes the old ones.
        for (int i = 0; i < 8; i++) {
          primary.untag("r0", "t" + i);
        }
        primary.gc();
        compactAll(primary);
        Set<String> after = tableFiles(path);
        Set<String> gone =
            before.stream().filter(f -> !after.contains(f)).collect(Collectors.toSet());
        assertThat(gone).as("files compacted away").anyMatch(f -> f.endsWith(".sst"));

        // The reader still sees its snapshot: tags, manifests and the blob index, all in table
        // files it opened up front. (Blob content lives in RocksDB blob files, which are opened
        // lazily and which the primary's blob gc may move: while a daemon holds the store, the
        // CLI reads content through the daemon instead, docs/ARCHITECTURE.md.)
        assertThat(reader.tags()).hasSize(32);
        for (TagInfo t : reader.tags()) {
          assertThat(reader.manifest(t.digest())).isPresent();
        }
        for (Digest d : blobs) {
          assertThat(reader.hasBlob(d)).isTrue();
        }
        assertThat(reader.stats().manifests()).isEqualTo(32);
      }
    }
  }

  /** Stores an image manifest over a fresh config and the layer; returns its digest. */
  private static Digest manifestOf(Store store, byte[] layer) {
    byte[] config = Fixtures.utf8("{\"layer\":\"" + Digest.sha256Of(layer) + "\"}");
    Fixtures.put(store, config);
    return store.putManifest(Fixtures.image(config, List.of(layer)), null).digest();
  }

  private static void flush(Store store) throws Exception {
    Db db = store.db();
    try (FlushOptions o = new FlushOptions().setWaitForFlush(true)) {
      for (ColumnFamilyHandle h :
          List.of(db.meta, db.blobs, db.chunks, db.manifests, db.tags, db.refs, db.referrers)) {
        db.db.flush(o, h);
      }
    }
  }

  private static void compactAll(Store store) throws Exception {
    Db db = store.db();
    for (ColumnFamilyHandle h :
        List.of(db.meta, db.blobs, db.chunks, db.manifests, db.tags, db.refs, db.referrers)) {
      db.db.compactRange(h);
    }
  }

  /** Table (.sst) and blob (.blob) files in the store folder. */
  private static Set<String> tableFiles(Path store) throws Exception {
    try (Stream<Path> s = Files.list(store)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".sst") || n.endsWith(".blob"))
          .collect(Collectors.toSet());
    }
  }
}
