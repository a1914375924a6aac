package io.gapsync.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import io.gapsync.protocol.DigestingInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streams a blob far larger than a test heap should hold through the store. Tagged slow: run with
 * {@code -Dsurefire.excludedGroups= -Dgroups=slow} (and a small {@code -Xmx} in {@code
 * argLine.extra} to prove memory stays bounded).
 */
@Tag("slow")
class LargeBlobTest {

  @TempDir Path tmp;

  @Test
  void halfGibibyteBlobStreamsThroughWithoutHoldingItInMemory() throws IOException {
    long size = 512L * 1024 * 1024;
    Digest expected;
    try (DigestingInputStream in =
        new DigestingInputStream(Fixtures.generated(512, size), DigestAlgorithm.SHA256)) {
      in.transferTo(OutputStream.nullOutputStream());
      expected = in.digest();
    }
    long heapBefore = usedHeap();

    try (Store store = Store.open(tmp, StoreOptions.defaults().withSyncWrites(false))) {
      PutResult r = store.putBlob(Fixtures.generated(512, size), expected, size);

      assertThat(r.created()).isTrue();
      assertThat(usedHeap() - heapBefore).isLessThan(size / 4);
      try (DigestingInputStream back =
          new DigestingInputStream(store.openBlob(expected), DigestAlgorithm.SHA256)) {
        back.transferTo(OutputStream.nullOutputStream());
        back.verify(expected, size, "blob read back");
      }
    }
  }

  private static long usedHeap() {
    System.gc();
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }
}
