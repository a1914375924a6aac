package io.gapsync.store;

import static io.gapsync.store.Fixtures.CHUNK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import io.gapsync.protocol.DigestingInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StoreBlobTest {

  @TempDir Path tmp;
  private Store store;

  @BeforeEach
  void open() {
    store = Fixtures.open(tmp);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 123, 8 * CHUNK})
  void putBlobRoundTripsExactBytes(int size) throws IOException {
    byte[] content = Fixtures.random(size, size);
    Digest digest = Digest.sha256Of(content);

    PutResult r = store.putBlob(new ByteArrayInputStream(content), digest, size);

    assertThat(r).isEqualTo(new PutResult(digest, size, true));
    assertThat(store.hasBlob(digest)).isTrue();
    assertThat(store.blobSize(digest)).contains((long) size);
    assertThat(Fixtures.readAll(store.openBlob(digest))).isEqualTo(content);
    assertThat(store.fsck().ok()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 5, 3 * CHUNK + 16, 3 * CHUNK + 17})
  void openBlobAtOffsetReadsTheRest(int offset) {
    byte[] content = Fixtures.random(42, 3 * CHUNK + 17);
    Digest digest = Fixtures.put(store, content);

    byte[] rest = Fixtures.readAll(store.openBlob(digest, offset));

    assertThat(rest).isEqualTo(Arrays.copyOfRange(content, offset, content.length));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 5, 3 * CHUNK + 17})
  void openBlobChannelReadsRangesIntoDirectAndHeapBuffersOfAnySize(int offset) throws IOException {
    byte[] content = Fixtures.random(43, 3 * CHUNK + 17);
    Digest digest = Fixtures.put(store, content);
    int length = Math.min(2 * CHUNK + 3, content.length - offset);
    byte[] expected = Arrays.copyOfRange(content, offset, offset + length);

    // Whole chunks into a direct buffer with room (RocksDB copies straight into it), a direct
    // buffer too small for a chunk, and a heap buffer: the same bytes, ending at the length.
    for (ByteBuffer buf :
        List.of(
            ByteBuffer.allocateDirect(CHUNK + 7),
            ByteBuffer.allocateDirect(CHUNK / 3),
            ByteBuffer.allocate(CHUNK))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (ReadableByteChannel ch = store.openBlobChannel(digest, offset, length)) {
        while (ch.read(buf.clear()) >= 0) {
          buf.flip();
          byte[] piece = new byte[buf.remaining()];
          buf.get(piece);
          out.write(piece);
        }
        assertThat(ch.isOpen()).isTrue();
      }
      assertThat(out.toByteArray()).as("into %s", buf).isEqualTo(expected);
    }
  }

  @Test
  void openBlobChannelRejectsNegativeLengthAndClosedReads() throws IOException {
    byte[] content = Fixtures.random(44, 2 * CHUNK);
    Digest digest = Fixtures.put(store, content);
    assertThatThrownBy(() -> store.openBlobChannel(digest, 0, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("length is negative");

    ReadableByteChannel ch = store.openBlobChannel(digest, 0, content.length);
    ch.close();
    assertThat(ch.isOpen()).isFalse();
    assertThatThrownBy(() -> ch.read(ByteBuffer.allocateDirect(CHUNK)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("open the blob again");
  }

  @Test
  void openBlobReadsByteByByte() throws IOException {
    byte[] content = Fixtures.random(7, CHUNK + 3);
    Digest digest = Fixtures.put(store, content);

    try (InputStream in = store.openBlob(digest, CHUNK - 1)) {
      assertThat(in.read()).isEqualTo(content[CHUNK - 1] & 0xff);
      assertThat(in.read()).isEqualTo(content[CHUNK] & 0xff);
      assertThat(in.readAllBytes()).hasSize(2);
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void openBlobRejectsOffsetOutsideBlob() {
    Digest digest = Fixtures.put(store, Fixtures.random(1, 10));

    assertThatThrownBy(() -> store.openBlob(digest, 11))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("offset 11")
        .hasMessageContaining("10 bytes");
    assertThatThrownBy(() -> store.openBlob(digest, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void openBlobOfUnknownDigestIsBlobUnknown() {
    assertThatThrownBy(() -> store.openBlob(Digests.ABSENT))
        .isInstanceOf(StoreException.class)
        .satisfies(
            e ->
                assertThat(((StoreException) e).code()).isEqualTo(StoreException.Code.BLOB_UNKNOWN))
        .hasMessageContaining(Digests.ABSENT.toString());
  }

  @Test
  void putBlobRejectsDigestMismatchAndLeavesNothing() {
    byte[] content = Fixtures.random(3, 3 * CHUNK);
    Digest wrong = Digest.sha256Of("something else");

    assertThatThrownBy(
            () -> store.putBlob(new ByteArrayInputStream(content), wrong, content.length))
        .isInstanceOf(StoreException.class)
        .satisfies(
            e ->
                assertThat(((StoreException) e).code())
                    .isEqualTo(StoreException.Code.DIGEST_MISMATCH))
        .hasMessageContaining(wrong.toString())
        .hasMessageContaining("hashes to " + Digest.sha256Of(content));

    assertNothingStored();
  }

  @Test
  void putBlobRejectsSizeMismatchAndLeavesNothing() {
    byte[] content = Fixtures.random(4, 2 * CHUNK + 1);
    Digest digest = Digest.sha256Of(content);

    assertThatThrownBy(
            () -> store.putBlob(new ByteArrayInputStream(content), digest, content.length + 1L))
        .isInstanceOf(StoreException.class)
        .satisfies(
            e ->
                assertThat(((StoreException) e).code())
                    .isEqualTo(StoreException.Code.DIGEST_MISMATCH))
        .hasMessageContaining(
            content.length + " bytes where " + (content.length + 1) + " were announced");

    assertNothingStored();
  }

  @Test
  void putBlobRejectsSha512DigestAndLeavesNothing() {
    Digest sha512 = Digest.fromRaw(DigestAlgorithm.SHA512, new byte[64]);

    assertThatThrownBy(() -> store.putBlob(new ByteArrayInputStream(new byte[5]), sha512, 5))
        .isInstanceOf(StoreException.class)
        .satisfies(
            e ->
                assertThat(((StoreException) e).code())
                    .isEqualTo(StoreException.Code.DIGEST_MISMATCH))
        .hasMessageContaining("sha256 only");

    assertNothingStored();
  }

  @Test
  void putBlobAlreadyPresentReturnsNotCreatedWithoutReadingStream() throws IOException {
    byte[] content = Fixtures.random(5, 100);
    Digest digest = Fixtures.put(store, content);
    InputStream untouchable =
        new InputStream() {
          @Override
          public int read() {
            throw new AssertionError("the stream must not be read");
          }
        };

    PutResult r = store.putBlob(untouchable, digest, 100);

    assertThat(r).isEqualTo(new PutResult(digest, 100, false));
  }

  @Test
  void putBlobOfContentAlreadyPresentWithoutDigestDropsTheDuplicate() throws IOException {
    byte[] content = Fixtures.random(6, 2 * CHUNK);
    Fixtures.put(store, content);

    PutResult r = store.putBlob(new ByteArrayInputStream(content), null, -1);

    assertThat(r.created()).isFalse();
    assertThat(store.chunkSetCount()).isEqualTo(1);
    assertThat(store.gc().orphanContentRemoved()).isZero();
  }

  @Test
  void uploadClosedWithoutCommitLeavesNothing() {
    try (BlobUpload up = store.beginUpload()) {
      up.write(Fixtures.random(8, 3 * CHUNK + 1));
      assertThat(up.size()).isEqualTo(3 * CHUNK + 1);
      assertThat(store.chunkSetCount()).isEqualTo(1);
    }

    assertNothingStored();
  }

  @Test
  void uploadCannotBeUsedAfterCommit() {
    BlobUpload up = store.beginUpload();
    up.write(new byte[] {1, 2, 3});
    PutResult r = up.commit(null, 3);
    up.close();

    assertThat(r.created()).isTrue();
    assertThatThrownBy(() -> up.write(1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already committed or closed");
    assertThat(store.hasBlob(r.digest())).isTrue();
  }

  @Test
  void uploadLeftOpenByCrashIsDiscardedAtNextOpen() {
    BlobUpload abandoned = store.beginUpload();
    abandoned.write(Fixtures.random(9, 2 * CHUNK + 5));
    store.close();

    store = Fixtures.open(tmp);

    assertThat(store.chunkSetCount()).isZero();
    assertThatThrownBy(() -> abandoned.write(1)).isInstanceOf(IllegalStateException.class);
    abandoned.close();
    assertThat(store.gc().orphanContentRemoved()).isZero();
  }

  @Test
  void gcRemovesOrphanChunksThatNoRecordOwns() throws Exception {
    Db db = store.db();
    byte[] orphanId = new byte[Keys.CONTENT_ID_LENGTH];
    Arrays.fill(orphanId, (byte) 0x5a);
    db.db.put(db.chunks, Keys.chunk(orphanId, 0), Fixtures.random(1, CHUNK));
    db.db.put(db.chunks, Keys.chunk(orphanId, 1), Fixtures.random(2, 10));
    Digest kept = Fixtures.put(store, Fixtures.random(3, 2 * CHUNK));
    try (IngestLease lease = store.lease()) {
      lease.pin(kept);

      GcReport r = store.gc();

      assertThat(r.orphanContentRemoved()).isEqualTo(1);
      assertThat(store.chunkSetCount()).isEqualTo(1);
      assertThat(store.fsck().ok()).isTrue();
    }
  }

  @Test
  void gcKeepsChunksOfUploadInProgress() {
    try (BlobUpload up = store.beginUpload()) {
      up.write(Fixtures.random(10, 2 * CHUNK));

      assertThat(store.gc().orphanContentRemoved()).isZero();

      up.write(Fixtures.random(11, 10));
      PutResult r = up.commit(null, 2 * CHUNK + 10);
      assertThat(store.blobSize(r.digest())).contains(2L * CHUNK + 10);
    }
  }

  @Test
  void largeStreamedBlobRoundTrips() throws IOException {
    long size = 64L * 1024 * 1024 + 3;
    Digest expected;
    try (DigestingInputStream in =
        new DigestingInputStream(Fixtures.generated(64, size), DigestAlgorithm.SHA256)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      expected = in.digest();
    }
    try (Store big =
        Store.open(tmp.resolve("big"), StoreOptions.defaults().withSyncWrites(false))) {

      PutResult r = big.putBlob(Fixtures.generated(64, size), expected, size);

      assertThat(r).isEqualTo(new PutResult(expected, size, true));
      try (DigestingInputStream back =
          new DigestingInputStream(big.openBlob(expected), DigestAlgorithm.SHA256)) {
        back.transferTo(java.io.OutputStream.nullOutputStream());
        back.verify(expected, size, "blob read back");
      }
    }
  }

  @Test
  void forEachBlobVisitsInDigestOrder() {
    Digest a = Fixtures.put(store, Fixtures.utf8("a"));
    Digest b = Fixtures.put(store, Fixtures.utf8("b"));
    java.util.List<BlobInfo> seen = new java.util.ArrayList<>();

    store.forEachBlob(seen::add);

    assertThat(seen)
        .extracting(BlobInfo::digest)
        .containsExactlyElementsOf(new java.util.TreeSet<>(java.util.List.of(a, b)));
    assertThat(seen).extracting(BlobInfo::size).containsOnly(1L);
  }

  @Test
  void concurrentUploadsOfSameContentStoreItOnce() throws Exception {
    byte[] content = Fixtures.random(12, 5 * CHUNK + 1);
    Digest digest = Digest.sha256Of(content);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    java.util.List<java.util.concurrent.Future<PutResult>> results = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 8; i++) {
        results.add(
            pool.submit(
                () -> {
                  try (BlobUpload up = store.beginUpload()) {
                    up.write(content);
                    return up.commit(digest, content.length);
                  }
                }));
      }
      long created = 0;
      for (var f : results) {
        created += f.get().created() ? 1 : 0;
      }

      assertThat(created).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.chunkSetCount()).isEqualTo(1);
    assertThat(Fixtures.readAll(store.openBlob(digest))).isEqualTo(content);
  }

  private void assertNothingStored() {
    assertThat(store.stats().blobs()).isZero();
    assertThat(store.chunkSetCount()).isZero();
    assertThat(store.gc().orphanContentRemoved()).isZero();
  }
}
