package io.gapsync.store;

import static io.gapsync.store.Fixtures.CHUNK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Blobs at or above the file threshold keep their bytes in files under {@code STORE/blobs/}: put,
 * get, ranges, discard, gc, fsck, crashes between file and record, damage, and stores whose blobs
 * are chunk rows.
 */
class StoreBlobFileTest {

  /** Above the 4 KiB test chunk, so an upload first stores chunks, then moves them to its file. */
  static final int THRESHOLD = 3 * CHUNK;

  @TempDir Path tmp;
  private Store store;

  private Store open(long threshold) {
    store = Store.open(tmp, Fixtures.OPTIONS.withFileThresholdBytes(threshold));
    return store;
  }

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  private Path fileOf(Digest d) {
    String hex = d.hex();
    return tmp.resolve("blobs").resolve("sha256").resolve(hex.substring(0, 2)).resolve(hex);
  }

  private long tempFiles() throws IOException {
    try (Stream<Path> s = Files.list(tmp.resolve("blobs").resolve("tmp"))) {
      return s.count();
    }
  }

  @ParameterizedTest
  @ValueSource(
      ints = {THRESHOLD - 1, THRESHOLD, THRESHOLD + 1, 5 * CHUNK, 5 * CHUNK + 123, 40 * CHUNK})
  void blobsAtOrAboveTheThresholdAreFilesAndSmallerOnesChunkRows(int size) throws IOException {
    open(THRESHOLD);
    byte[] content = Fixtures.random(size, size);
    Digest digest = Digest.sha256Of(content);

    PutResult r = store.putBlob(new ByteArrayInputStream(content), digest, size);

    assertThat(r).isEqualTo(new PutResult(digest, size, true));
    boolean inFile = size >= THRESHOLD;
    assertThat(store.blobRecord(digest).orElseThrow().inFile()).isEqualTo(inFile);
    assertThat(Files.exists(fileOf(digest))).isEqualTo(inFile);
    assertThat(store.chunkSetCount()).isEqualTo(inFile ? 0 : 1);
    if (inFile) {
      assertThat(Files.readAllBytes(fileOf(digest))).isEqualTo(content);
    }
    assertThat(tempFiles()).isZero();
    assertThat(Fixtures.readAll(store.openBlob(digest))).isEqualTo(content);
    assertThat(store.fsck().ok()).isTrue();
  }

  @Test
  void thresholdBelowTheChunkSizeWritesTheFileWithoutChunks() throws IOException {
    open(1000);
    byte[] content = Fixtures.random(1, 3 * CHUNK + 17);

    Digest d = Fixtures.put(store, content);

    assertThat(Files.readAllBytes(fileOf(d))).isEqualTo(content);
    assertThat(store.chunkSetCount()).isZero();
    assertThat(Fixtures.readAll(store.openBlob(d, 999)))
        .isEqualTo(Arrays.copyOfRange(content, 999, content.length));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, CHUNK, 3 * CHUNK + 5, 6 * CHUNK})
  void rangesReadTheSameBytesAsStreamChannelAndFileRegion(int offset) throws IOException {
    open(THRESHOLD);
    byte[] content = Fixtures.random(2, 6 * CHUNK);
    Digest d = Fixtures.put(store, content);
    int length = Math.min(2 * CHUNK + 3, content.length - offset);
    byte[] expected = Arrays.copyOfRange(content, offset, offset + length);

    for (ByteBuffer buf : List.of(ByteBuffer.allocateDirect(CHUNK + 7), ByteBuffer.allocate(100))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (ReadableByteChannel ch = store.openBlobChannel(d, offset, length)) {
        for (buf.clear(); ch.read(buf) >= 0; buf.clear()) {
          buf.flip();
          byte[] b = new byte[buf.remaining()];
          buf.get(b);
          out.writeBytes(b);
        }
      }
      assertThat(out.toByteArray()).isEqualTo(expected);
    }
    BlobFileRegion region = store.openBlobFile(d, offset, length).orElseThrow();
    try (var ch = region.channel()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      long sent = ch.transferTo(region.position(), region.count(), Channels.newChannel(out));
      assertThat(sent).isEqualTo(length);
      assertThat(out.toByteArray()).isEqualTo(expected);
    }
    assertThat(Arrays.copyOf(Fixtures.readAll(store.openBlob(d, offset)), length))
        .isEqualTo(expected);
  }

  @Test
  void openBlobFileIsEmptyForChunkRowsAndRefusesBadRanges() {
    open(THRESHOLD);
    Digest small = Fixtures.put(store, Fixtures.random(3, 100));
    Digest big = Fixtures.put(store, Fixtures.random(4, THRESHOLD));

    assertThat(store.openBlobFile(small, 0, 100)).isEmpty();
    assertThatThrownBy(() -> store.openBlobFile(big, THRESHOLD + 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("from offset " + (THRESHOLD + 1));
    assertThatThrownBy(() -> store.openBlobFile(Digest.sha256Of("absent"), 0, 1))
        .isInstanceOf(StoreException.class)
        .satisfies(
            e ->
                assertThat(((StoreException) e).code())
                    .isEqualTo(StoreException.Code.BLOB_UNKNOWN));
  }

  @Test
  void digestMismatchLeavesNoFileAndNoTemporaryFile() throws IOException {
    open(THRESHOLD);
    byte[] content = Fixtures.random(5, 5 * CHUNK);
    Digest wrong = Digest.sha256Of("something else");

    assertThatThrownBy(
            () -> store.putBlob(new ByteArrayInputStream(content), wrong, content.length))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("hashes to " + Digest.sha256Of(content));

    assertThat(store.hasBlob(Digest.sha256Of(content))).isFalse();
    assertThat(Files.exists(fileOf(Digest.sha256Of(content)))).isFalse();
    assertThat(tempFiles()).isZero();
    assertThat(store.chunkSetCount()).isZero();
  }

  @Test
  void duplicateUploadDropsItsTemporaryFileAndKeepsTheFirst() throws IOException {
    open(THRESHOLD);
    byte[] content = Fixtures.random(6, 5 * CHUNK);
    Fixtures.put(store, content);

    PutResult again = store.putBlob(new ByteArrayInputStream(content), null, -1);

    assertThat(again.created()).isFalse();
    assertThat(tempFiles()).isZero();
    assertThat(Files.readAllBytes(fileOf(again.digest()))).isEqualTo(content);
  }

  @Test
  void gcAndDiscardDeleteTheFileWhileAnOpenStreamKeepsReading() throws IOException {
    open(THRESHOLD);
    byte[] content = Fixtures.random(7, 10 * CHUNK);
    Digest d = Fixtures.put(store, content);
    Digest other = Fixtures.put(store, Fixtures.random(8, 4 * CHUNK));

    try (InputStream reading = store.openBlob(d)) {
      byte[] head = reading.readNBytes(CHUNK);

      GcReport r = store.gc();

      assertThat(r.blobsRemoved()).isEqualTo(2);
      assertThat(r.bytesRemoved()).isEqualTo(14L * CHUNK);
      assertThat(Files.exists(fileOf(d))).isFalse();
      assertThat(store.hasBlob(d)).isFalse();
      byte[] rest = reading.readAllBytes();
      assertThat(head.length + rest.length).isEqualTo(content.length);
      assertThat(Arrays.copyOfRange(content, CHUNK, content.length)).isEqualTo(rest);
    }
    assertThat(Files.exists(fileOf(other))).isFalse();

    Digest again = Fixtures.put(store, content);
    assertThat(store.discard(List.of(again)).blobsRemoved()).isEqualTo(1);
    assertThat(Files.exists(fileOf(again))).isFalse();
    assertThat(store.fsck().ok()).isTrue();
  }

  @Test
  void gcKeepsFilesOfReferencedBlobs() {
    open(THRESHOLD);
    byte[] layer = Fixtures.random(9, 5 * CHUNK);
    byte[] config = Fixtures.utf8("{}");
    Fixtures.put(store, layer);
    Fixtures.put(store, config);
    Digest m =
        store.putManifest(Fixtures.image(config, List.of(layer)), MediaTypes.OCI_MANIFEST).digest();
    store.tag("app", "v1", m);

    GcReport r = store.gc();

    assertThat(r.blobsRemoved()).isZero();
    assertThat(r.orphanContentRemoved()).isZero();
    assertThat(Files.exists(fileOf(Digest.sha256Of(layer)))).isTrue();
  }

  @Test
  void crashBetweenRenameAndRecordLeavesAnInvisibleOrphanThatFsckListsAndGcRemoves()
      throws IOException {
    open(THRESHOLD);
    // What a crash after the rename and before the record commit leaves: the file alone.
    byte[] content = Fixtures.random(10, 5 * CHUNK);
    Digest d = Digest.sha256Of(content);
    Files.createDirectories(fileOf(d).getParent());
    Files.write(fileOf(d), content);

    assertThat(store.hasBlob(d)).isFalse();
    assertThatThrownBy(() -> store.openBlob(d))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("does not hold it");
    FsckReport report = store.fsck();
    // Garbage, not damage: listed, and the store is sound (a kill must leave a sound store).
    assertThat(report.ok()).isTrue();
    assertThat(report.orphans())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.kind()).isEqualTo("blob-file-orphan");
              assertThat(p.subject()).isEqualTo(d.toString());
              assertThat(p.detail()).contains(fileOf(d).toString()).contains("gapsync gc");
            });

    GcReport gc = store.gc();

    assertThat(gc.orphanContentRemoved()).isEqualTo(1);
    assertThat(Files.exists(fileOf(d))).isFalse();
    assertThat(store.fsck().orphans()).isEmpty();
  }

  @Test
  void fileInTheBlobFoldersNotNamedByADigestIsAProblemThatGcLeaves() throws IOException {
    open(THRESHOLD);
    Path stray = tmp.resolve("blobs/sha256/ab/notes.txt");
    Files.createDirectories(stray.getParent());
    Files.write(stray, new byte[] {1});

    FsckReport r = store.fsck();
    store.gc();

    assertThat(r.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.kind()).isEqualTo("blob-file-unknown");
              assertThat(p.subject()).isEqualTo(stray.toString());
            });
    assertThat(Files.exists(stray)).isTrue();
  }

  @Test
  void orphanOfTheSameDigestIsReplacedWhenTheBlobIsStored() throws IOException {
    open(THRESHOLD);
    byte[] content = Fixtures.random(11, 5 * CHUNK);
    Digest d = Digest.sha256Of(content);
    Files.createDirectories(fileOf(d).getParent());
    Files.write(fileOf(d), new byte[] {1, 2, 3});

    PutResult r = store.putBlob(new ByteArrayInputStream(content), d, content.length);

    assertThat(r.created()).isTrue();
    assertThat(Files.readAllBytes(fileOf(d))).isEqualTo(content);
    assertThat(store.fsck().ok()).isTrue();
  }

  @Test
  void staleTemporaryFilesAreListedRemovedByGcAndAtOpen() throws IOException {
    open(THRESHOLD);
    Path stale = tmp.resolve("blobs").resolve("tmp").resolve("00112233445566778899aabbccddeeff");
    Files.write(stale, new byte[] {1});

    try (BlobUpload inProgress = store.beginUpload()) {
      inProgress.write(Fixtures.random(12, 4 * CHUNK));
      assertThat(tempFiles()).isEqualTo(2);

      FsckReport report = store.fsck();
      assertThat(report.ok()).isTrue();
      assertThat(report.orphans())
          .singleElement()
          .satisfies(p -> assertThat(p.detail()).contains(stale.toString()));
      assertThat(store.gc().orphanContentRemoved()).isEqualTo(1);
      assertThat(Files.exists(stale)).isFalse();
      assertThat(tempFiles()).isEqualTo(1);

      PutResult r = inProgress.commit(null, 4 * CHUNK);
      assertThat(Files.exists(fileOf(r.digest()))).isTrue();
    }

    Files.write(stale, new byte[] {1});
    BlobUpload cutShort = store.beginUpload();
    cutShort.write(Fixtures.random(13, 4 * CHUNK));
    store.close();
    open(THRESHOLD);

    assertThat(tempFiles()).isZero();
    assertThat(store.fsck().ok()).isTrue();
  }

  @Test
  void uploadClosedWithoutCommitDeletesItsTemporaryFile() throws IOException {
    open(THRESHOLD);
    try (BlobUpload up = store.beginUpload()) {
      up.write(Fixtures.random(14, 4 * CHUNK));
      assertThat(tempFiles()).isEqualTo(1);
    }

    assertThat(tempFiles()).isZero();
    assertThat(store.chunkSetCount()).isZero();
  }

  @Test
  void corruptFileOfTheRightSizeIsNamedByFsck() throws IOException {
    open(THRESHOLD);
    byte[] content = Fixtures.random(15, 5 * CHUNK);
    Digest d = Fixtures.put(store, content);
    byte[] damaged = content.clone();
    damaged[100] ^= 1;
    Files.write(fileOf(d), damaged);

    FsckReport r = store.fsck();

    assertThat(r.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.kind()).isEqualTo("blob-digest");
              assertThat(p.subject()).isEqualTo(d.toString());
              assertThat(p.detail())
                  .contains(fileOf(d).toString())
                  .contains("hashes to " + Digest.sha256Of(damaged));
            });
  }

  @Test
  void truncatedOrMissingFileFailsReadsAsCorruptAndFsckNamesIt() throws IOException {
    open(THRESHOLD);
    Digest truncated = Fixtures.put(store, Fixtures.random(16, 5 * CHUNK));
    Digest missing = Fixtures.put(store, Fixtures.random(17, 6 * CHUNK));
    Files.write(fileOf(truncated), new byte[] {1, 2});
    Files.delete(fileOf(missing));

    for (Digest d : List.of(truncated, missing)) {
      assertThatThrownBy(() -> store.openBlob(d))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("Tried to read blob " + d)
          .hasMessageContaining(fileOf(d).toString())
          .hasMessageContaining("run gapsync fsck")
          .satisfies(
              e -> assertThat(((StoreException) e).code()).isEqualTo(StoreException.Code.CORRUPT));
      assertThatThrownBy(() -> store.openBlobFile(d, 0, 1)).isInstanceOf(StoreException.class);
    }
    assertThat(store.fsck().problems())
        .extracting(FsckReport.Problem::kind, FsckReport.Problem::subject)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("blob-file", truncated.toString()),
            org.assertj.core.groups.Tuple.tuple("blob-file", missing.toString()));
  }

  @Test
  void closingTheStoreClosesOpenFileStreams() throws IOException {
    open(THRESHOLD);
    Digest d = Fixtures.put(store, Fixtures.random(18, 5 * CHUNK));
    InputStream in = store.openBlob(d);
    in.readNBytes(10);

    store.close();

    assertThatThrownBy(() -> in.read(new byte[10]))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("closed");
    in.close();
  }

  @Test
  void chunkRowBlobsOfAnEarlierStoreStillReadVerifyAndCollect() throws IOException {
    byte[] content = Fixtures.random(19, 10 * CHUNK + 3);
    open(StoreOptions.FILE_THRESHOLD_NEVER);
    Digest old = Fixtures.put(store, content);
    store.close();

    open(THRESHOLD);
    Digest fresh = Fixtures.put(store, Fixtures.random(20, 5 * CHUNK));

    assertThat(store.blobRecord(old).orElseThrow().inFile()).isFalse();
    assertThat(store.blobRecord(fresh).orElseThrow().inFile()).isTrue();
    assertThat(Fixtures.readAll(store.openBlob(old))).isEqualTo(content);
    assertThat(Fixtures.readAll(store.openBlob(old, 5 * CHUNK)))
        .isEqualTo(Arrays.copyOfRange(content, 5 * CHUNK, content.length));
    assertThat(store.openBlobFile(old, 0, 1)).isEmpty();
    assertThat(store.fsck().ok()).isTrue();
    assertThat(store.gc().blobsRemoved()).isEqualTo(2);
    assertThat(store.chunkSetCount()).isZero();
  }

  @Test
  void formatOneStoreIsReadAsItIsAndUpgradedByAReadWriteOpen() throws Exception {
    byte[] content = Fixtures.random(21, 10 * CHUNK);
    open(StoreOptions.FILE_THRESHOLD_NEVER);
    Digest old = Fixtures.put(store, content);
    store.db().db.put(store.db().meta, Db.META_FORMAT_VERSION, Fixtures.utf8("1"));
    store.close();

    try (Store ro = Store.open(tmp, Fixtures.OPTIONS.asReadOnly())) {
      assertThat(Fixtures.readAll(ro.openBlob(old))).isEqualTo(content);
      assertThat(Keys.string(ro.db().db.get(ro.db().meta, Db.META_FORMAT_VERSION))).isEqualTo("1");
    }
    open(THRESHOLD);

    assertThat(Keys.string(store.db().db.get(store.db().meta, Db.META_FORMAT_VERSION)))
        .isEqualTo(Integer.toString(Db.FORMAT_VERSION));
    assertThat(Fixtures.readAll(store.openBlob(old))).isEqualTo(content);
  }

  @Test
  void readOnlyOpenReadsFiles() {
    open(THRESHOLD);
    byte[] content = Fixtures.random(22, 5 * CHUNK);
    Digest d = Fixtures.put(store, content);
    store.close();
    store = null;

    try (Store ro = Store.open(tmp, Fixtures.OPTIONS.asReadOnly())) {
      assertThat(Fixtures.readAll(ro.openBlob(d))).isEqualTo(content);
      assertThat(ro.fsck().ok()).isTrue();
    }
  }
}
