package io.gapsync.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.Digest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreCheckerTest {

  @TempDir Path tmp;
  private Store store;
  private final byte[] layer = Fixtures.layer(11);
  private Digest layerDigest;
  private Digest manifest;

  @BeforeEach
  void open() {
    store = Fixtures.open(tmp);
    byte[] m = Fixtures.storeImage(store, 11, null);
    manifest = Digest.sha256Of(m);
    layerDigest = Digest.sha256Of(layer);
    store.tag("app", "v1", manifest);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void cleanStoreReportsOk() {
    List<Long> progress = new ArrayList<>();

    FsckReport r = store.fsck((done, total) -> progress.add(done));

    assertThat(r.ok()).isTrue();
    assertThat(r.blobsChecked()).isEqualTo(2);
    assertThat(r.bytesChecked()).isEqualTo(store.stats().blobBytes());
    assertThat(r.manifestsChecked()).isEqualTo(1);
    assertThat(r.tagsChecked()).isEqualTo(1);
    assertThat(progress).last().isEqualTo(store.stats().blobBytes());
  }

  @Test
  void corruptChunkIsReportedAsBlobDigestNamingTheDigest() throws Exception {
    Keys.BlobRecord rec = store.blobRecord(layerDigest).orElseThrow();
    Db db = store.db();
    byte[] damaged = Fixtures.random(12, Fixtures.CHUNK);
    db.db.put(db.chunks, Keys.chunk(rec.contentId(), 1), damaged);

    FsckReport r = store.fsck();

    assertThat(r.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.kind()).isEqualTo("blob-digest");
              assertThat(p.subject()).isEqualTo(layerDigest.toString());
              assertThat(p.detail()).contains("hashes to");
            });
  }

  @Test
  void missingChunkIsReportedAsBlobChunks() throws Exception {
    Keys.BlobRecord rec = store.blobRecord(layerDigest).orElseThrow();
    Db db = store.db();
    db.db.delete(db.chunks, Keys.chunk(rec.contentId(), 2));

    FsckReport r = store.fsck();

    assertThat(r.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.kind()).isEqualTo("blob-chunks");
              assertThat(p.subject()).isEqualTo(layerDigest.toString());
              assertThat(p.detail()).contains("chunk 2 is missing");
            });
    assertThatThrownBy(() -> Fixtures.readAll(store.openBlob(layerDigest)))
        .isInstanceOf(StoreException.class)
        .satisfies(
            e -> assertThat(((StoreException) e).code()).isEqualTo(StoreException.Code.CORRUPT))
        .hasMessageContaining(layerDigest.toString());
  }

  @Test
  void missingFirstChunkIsReportedAsBlobChunks() throws Exception {
    Keys.BlobRecord rec = store.blobRecord(layerDigest).orElseThrow();
    Db db = store.db();
    db.db.delete(db.chunks, Keys.chunk(rec.contentId(), 0));

    FsckReport r = store.fsck();

    assertThat(r.problems()).extracting(FsckReport.Problem::kind).containsExactly("blob-chunks");
  }

  @Test
  void tagPointingAtMissingManifestIsReportedAsTagTarget() throws Exception {
    Db db = store.db();
    db.db.put(db.tags, Keys.pair("app", "ghost"), Keys.digest(Digests.ABSENT));

    FsckReport r = store.fsck();

    assertThat(r.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.kind()).isEqualTo("tag-target");
              assertThat(p.subject()).isEqualTo("app:ghost");
              assertThat(p.detail()).contains(Digests.ABSENT.toString());
            });
  }

  @Test
  void missingBlobOfManifestIsReportedAsManifestReference() throws Exception {
    Db db = store.db();
    db.db.delete(db.blobs, Keys.digest(layerDigest));

    FsckReport r = store.fsck();

    assertThat(r.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.kind()).isEqualTo("manifest-reference");
              assertThat(p.subject()).isEqualTo(manifest.toString());
              assertThat(p.detail()).contains(layerDigest.toString());
            });
  }
}
