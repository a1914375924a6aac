package io.gapsync.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Manifest;
import io.gapsync.protocol.MediaTypes;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GarbageCollectorTest {

  @TempDir Path tmp;
  private Store store;
  private final byte[] shared = Fixtures.random(1000, 2 * Fixtures.CHUNK + 1);

  @BeforeEach
  void open() {
    store = Fixtures.open(tmp);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void gcRemovesUntaggedImageAndItsUniqueBlobsButKeepsSharedOnes() {
    byte[] kept = Fixtures.storeImage(store, 1, shared);
    byte[] dropped = Fixtures.storeImage(store, 2, shared);
    store.tag("app", "kept", Digest.sha256Of(kept));
    Manifest droppedManifest = store.manifest(Digest.sha256Of(dropped)).orElseThrow();

    GcReport r = store.gc();

    assertThat(r.manifestsRemoved()).isEqualTo(1);
    assertThat(r.blobsRemoved()).isEqualTo(2);
    assertThat(r.bytesRemoved())
        .isEqualTo(droppedManifest.config().size() + droppedManifest.layers().get(1).size());
    assertThat(r.manifestsKept()).isEqualTo(1);
    assertThat(r.blobsKept()).isEqualTo(3);
    assertThat(store.hasManifest(droppedManifest.digest())).isFalse();
    assertThat(store.hasBlob(Digest.sha256Of(shared))).isTrue();
    assertThat(store.hasBlob(droppedManifest.config().digest())).isFalse();
    assertThat(store.referencedBy(Digest.sha256Of(shared))).containsExactly(Digest.sha256Of(kept));
    assertThat(store.chunkSetCount()).isEqualTo(3);
    assertThat(store.fsck().ok()).isTrue();
  }

  @Test
  void gcKeepsIndexChildrenOfTaggedIndex() {
    byte[] amd64 = Fixtures.storeImage(store, 3, shared);
    byte[] arm64 = Fixtures.storeImage(store, 4, shared);
    byte[] index = Fixtures.index(List.of(amd64, arm64));
    Digest indexDigest = store.putManifest(index, MediaTypes.OCI_INDEX).digest();
    store.tag("multi", "v1", indexDigest);

    GcReport r = store.gc();

    assertThat(r.manifestsRemoved()).isZero();
    assertThat(r.blobsRemoved()).isZero();
    assertThat(store.stats().manifests()).isEqualTo(3);

    store.untag("multi", "v1");
    GcReport after = store.gc();

    assertThat(after.manifestsRemoved()).isEqualTo(3);
    assertThat(after.blobsRemoved()).isEqualTo(5);
    assertThat(store.stats()).isEqualTo(new StoreStats(0, 0, 0, 0, 0, 0));
    assertThat(store.chunkSetCount()).isZero();
  }

  @Test
  void gcKeepsReferrersOfKeptManifestsAndRemovesReferrersOfRemovedOnes() {
    byte[] kept = Fixtures.storeImage(store, 5, null);
    byte[] dropped = Fixtures.storeImage(store, 6, null);
    Digest keptSig = store.putManifest(Fixtures.referrer(store, kept, "k"), null).digest();
    Digest droppedSig = store.putManifest(Fixtures.referrer(store, dropped, "d"), null).digest();
    store.tag("app", "v1", Digest.sha256Of(kept));

    store.gc();

    assertThat(store.hasManifest(keptSig)).isTrue();
    assertThat(store.hasManifest(droppedSig)).isFalse();
    assertThat(store.referrers(Digest.sha256Of(kept)))
        .extracting(Referrer::digest)
        .containsExactly(keptSig);
    assertThat(store.referrers(Digest.sha256Of(dropped))).isEmpty();
    assertThat(store.fsck().ok()).isTrue();
  }

  @Test
  void gcKeepsWhatALeasePinsUntilTheLeaseCloses() throws Exception {
    byte[] layer = Fixtures.random(7, 100);
    byte[] config = Fixtures.utf8("{}");
    Digest manifest;
    try (IngestLease lease = store.lease()) {
      store.putBlob(new ByteArrayInputStream(layer), null, -1, lease);
      lease.pin(Digest.sha256Of(config));
      Fixtures.put(store, config);
      manifest = store.putManifest(Fixtures.image(config, List.of(layer)), null, lease).digest();

      GcReport r = store.gc();

      assertThat(r.manifestsRemoved()).isZero();
      assertThat(r.blobsRemoved()).isZero();
      assertThat(store.hasManifest(manifest)).isTrue();
    }

    GcReport r = store.gc();

    assertThat(r.manifestsRemoved()).isEqualTo(1);
    assertThat(r.blobsRemoved()).isEqualTo(2);
  }

  @Test
  void pinnedManifestKeepsWhatItReferences() {
    byte[] image = Fixtures.storeImage(store, 8, shared);
    try (IngestLease lease = store.lease()) {
      lease.pin(Digest.sha256Of(image));

      GcReport r = store.gc();

      assertThat(r.blobsRemoved()).isZero();
      assertThat(store.fsck().ok()).isTrue();
    }
  }

  @Test
  void discardRemovesOnlyUnreachedCandidates() {
    byte[] tagged = Fixtures.storeImage(store, 9, shared);
    store.tag("app", "v1", Digest.sha256Of(tagged));
    byte[] failed = Fixtures.storeImage(store, 10, shared);
    byte[] bystander = Fixtures.storeImage(store, 11, null);
    Manifest f = store.manifest(Digest.sha256Of(failed)).orElseThrow();

    GcReport r =
        store.discard(
            List.of(
                f.digest(), f.config().digest(), Digest.sha256Of(shared), Digest.sha256Of(tagged)));

    assertThat(r.manifestsRemoved()).isEqualTo(1);
    assertThat(r.blobsRemoved()).isEqualTo(1);
    assertThat(store.hasManifest(Digest.sha256Of(bystander))).isTrue();
    assertThat(store.hasBlob(Digest.sha256Of(shared))).isTrue();
    assertThat(store.hasBlob(f.layers().get(1).digest())).isTrue();
    assertThat(store.hasManifest(Digest.sha256Of(tagged))).isTrue();
  }

  @Test
  void concurrentIngestAndGcLeaveEveryTagComplete() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<Integer> ingest =
          pool.submit(
              () -> {
                int n = 0;
                for (; n < 40; n++) {
                  byte[] config = Fixtures.utf8("{\"n\":" + (n % 7) + "}");
                  byte[] layer = Fixtures.random(n % 5, Fixtures.CHUNK + n);
                  byte[] manifest = Fixtures.image(config, List.of(shared, layer));
                  try (IngestLease lease = store.lease()) {
                    for (byte[] blob : List.of(config, shared, layer)) {
                      lease.pin(Digest.sha256Of(blob));
                      store.putBlob(
                          new ByteArrayInputStream(blob), Digest.sha256Of(blob), blob.length);
                    }
                    Digest d = store.putManifest(manifest, MediaTypes.OCI_MANIFEST, lease).digest();
                    store.tag("repo" + (n % 3), "t" + (n % 4), d);
                  }
                }
                return n;
              });
      Future<Integer> collector =
          pool.submit(
              () -> {
                int runs = 0;
                while (!stop.get()) {
                  store.gc();
                  runs++;
                }
                return runs;
              });

      assertThat(ingest.get(60, TimeUnit.SECONDS)).isEqualTo(40);
      stop.set(true);
      assertThat(collector.get(60, TimeUnit.SECONDS)).isPositive();
    } finally {
      pool.shutdownNow();
    }

    store.gc();
    FsckReport report = store.fsck();
    assertThat(report.problems()).isEmpty();
    List<TagInfo> tags = store.tags();
    assertThat(tags).hasSize(12);
    for (TagInfo t : tags) {
      Manifest m = store.manifest(t.digest()).orElseThrow();
      for (var d : m.blobReferences()) {
        assertThat(Fixtures.readAll(store.openBlob(d.digest()))).hasSize((int) d.size());
      }
    }
    List<Digest> live = new ArrayList<>();
    store.forEachManifest(i -> live.add(i.digest()));
    assertThat(live)
        .containsExactlyInAnyOrderElementsOf(
            tags.stream().map(TagInfo::digest).distinct().toList());
  }
}
