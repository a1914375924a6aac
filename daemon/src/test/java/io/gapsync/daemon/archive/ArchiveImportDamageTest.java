package io.gapsync.daemon.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.gapsync.protocol.ProtocolException;
import io.gapsync.protocol.archive.ArchiveFiles;
import io.gapsync.protocol.archive.ArchiveReader;
import io.gapsync.protocol.archive.ArchiveStatement;
import io.gapsync.protocol.trust.TrustPolicy;
import io.gapsync.store.BlobInfo;
import io.gapsync.store.ManifestInfo;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real archive (the sample image, about 2 MB) damaged at hundreds of seeded random offsets and
 * truncated at random points: every import is refused with a message, and the importing store is
 * exactly as before (tags, manifests, blobs, metadata). The undamaged archive then imports.
 */
class ArchiveImportDamageTest {

  private static final java.time.Clock CLOCK =
      java.time.Clock.fixed(
          java.time.Instant.parse("2026-11-26T12:00:00Z"), java.time.ZoneOffset.UTC);

  @TempDir Path tmp;

  /** Everything a store holds, from an open store. */
  private record Snapshot(
      Object tags, List<ManifestInfo> manifests, List<BlobInfo> blobs, Object meta) {
    static Snapshot of(Store s) {
      List<ManifestInfo> m = new ArrayList<>();
      List<BlobInfo> b = new ArrayList<>();
      s.forEachManifest(m::add);
      s.forEachBlob(b::add);
      return new Snapshot(s.tags(), m, b, s.metaWithPrefix(""));
    }
  }

  @Test
  void everyCorruptOrTruncatedArchiveIsRefusedAndLeavesTheStoreAsItWas() throws Exception {
    Path connected = tmp.resolve("connected");
    Path site = tmp.resolve("site");
    try (Store c = Store.open(connected, StoreOptions.defaults(), "depot-1")) {
      SampleImages.add(c, "apps/web", "v1");
    }
    Store.open(site, StoreOptions.defaults(), "site-a").close();
    io.gapsync.protocol.trust.SigningKey key =
        io.gapsync.protocol.trust.SigningKey.generate(new java.security.SecureRandom());
    java.io.ByteArrayOutputStream inv = new java.io.ByteArrayOutputStream();
    try (Store s = Store.open(site, StoreOptions.defaults().asReadOnly())) {
      io.gapsync.daemon.sync.StoreInventory.write(
          s, inv, CLOCK.instant(), ArchiveImporter.watermarks(s));
    }
    io.gapsync.protocol.CompactInventory siteInventory =
        new io.gapsync.protocol.InventoryReader()
            .readCompact(new ByteArrayInputStream(inv.toByteArray()), "inventory");
    Path archive;
    try (Store c = Store.open(connected, StoreOptions.defaults().asReadOnly())) {
      ArchiveExporter exporter = new ArchiveExporter(c, 6, ProgressListener.NONE);
      archive =
          exporter
              .export(
                  exporter.plan(siteInventory, List.of()),
                  "site-a",
                  io.gapsync.protocol.Digest.sha256Of(inv.toByteArray()),
                  List.of(key),
                  "depot-1",
                  1,
                  CLOCK.instant(),
                  java.time.Duration.ofDays(30),
                  tmp.resolve("out"),
                  0)
              .files()
              .get(0);
    }
    byte[] good = Files.readAllBytes(archive);
    TrustPolicy trust = TrustPolicy.of(key.publicKey());
    ArchiveStatement statement =
        ArchiveReader.open(new ByteArrayInputStream(good), "a", trust, CLOCK.instant()).statement();
    List<int[]> smallEntries = smallEntryRanges(good, statement);

    Path bad = tmp.resolve("bad.gsa");
    Random random = new Random(20261126);
    try (Store store = Store.open(site, StoreOptions.defaults().withSyncWrites(false))) {
      Snapshot before = Snapshot.of(store);
      for (int n = 0; n < 260; n++) {
        byte[] damaged;
        String what;
        if (n < 200) {
          // A third in header, statement and signatures; a third in the small entries (config,
          // app layer, manifest, frames, trailer); a third anywhere (mostly the 2 MB base layer).
          int at =
              switch (n % 3) {
                case 0 -> random.nextInt(Math.min(good.length, 4096));
                case 1 -> {
                  int[] r = smallEntries.get(random.nextInt(smallEntries.size()));
                  yield r[0] + random.nextInt(r[1]);
                }
                default -> random.nextInt(good.length);
              };
          damaged = good.clone();
          damaged[at] ^= (byte) (1 + random.nextInt(255));
          what = "byte " + at + " of " + good.length + " changed";
        } else {
          int cut = random.nextInt(good.length);
          damaged = java.util.Arrays.copyOf(good, cut);
          what = "cut at " + cut + " of " + good.length;
        }
        Files.write(bad, damaged);

        Throwable t =
            catchThrowable(
                () ->
                    new ArchiveImporter(store, trust, CLOCK.instant(), ProgressListener.NONE)
                        .run(ArchiveFiles.locate(List.of(bad)).get(0)));

        assertThat(t)
            .as(what)
            .isInstanceOfAny(ProtocolException.class, ArchiveRefusedException.class);
        assertThat(t.getMessage()).as(what).startsWith("Tried to");
        assertThat(Snapshot.of(store)).as(what).isEqualTo(before);
        // The 2 MB layer is a blob file (docs/FORMAT.md, "Blob files"): none, temporary or
        // published, is left behind either.
        assertThat(blobFiles(site)).as(what).isEmpty();
      }
      // Nothing left behind blocks the good archive.
      ArchiveImporter.Result ok =
          new ArchiveImporter(store, trust, CLOCK.instant(), ProgressListener.NONE)
              .run(ArchiveFiles.locate(List.of(archive)).get(0));
      assertThat(ok.blobsAdded()).isEqualTo(3);
      assertThat(blobFiles(site)).hasSize(1);
      assertThat(store.fsck().ok()).isTrue();
    }
  }

  /** The regular files under a store's {@code blobs/} folder. */
  private static List<Path> blobFiles(Path store) throws java.io.IOException {
    try (var files = Files.walk(store.resolve("blobs"))) {
      return files.filter(Files::isRegularFile).toList();
    }
  }

  /** [start, length] of each entry under 100 KB (frame header included), and the trailer. */
  private static List<int[]> smallEntryRanges(byte[] archive, ArchiveStatement s) {
    ByteBuffer h = ByteBuffer.wrap(archive);
    long off = 20L + h.getInt(12) + h.getInt(16);
    List<int[]> out = new ArrayList<>();
    for (var e : s.entries()) {
      long len = 16 + e.storedSize();
      if (e.storedSize() < 100_000) {
        out.add(new int[] {(int) off, (int) len});
      }
      off += len;
    }
    out.add(new int[] {(int) off, 8});
    return out;
  }
}
