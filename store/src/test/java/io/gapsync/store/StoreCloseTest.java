package io.gapsync.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreCloseTest {

  @TempDir Path tmp;

  @Test
  void closeTwiceIsSafeAndLaterCallsFailWithClosed() {
    Store store = Fixtures.open(tmp);
    store.close();

    store.close();

    assertThatThrownBy(() -> store.hasBlob(Digests.ABSENT))
        .isInstanceOf(StoreException.class)
        .satisfies(
            e -> assertThat(((StoreException) e).code()).isEqualTo(StoreException.Code.CLOSED))
        .hasMessageContaining("Tried to look up blob " + Digests.ABSENT)
        .hasMessageContaining("is closed");
    assertThatThrownBy(store::gc)
        .isInstanceOf(StoreException.class)
        .satisfies(
            e -> assertThat(((StoreException) e).code()).isEqualTo(StoreException.Code.CLOSED));
  }

  @Test
  void closeReleasesOpenBlobStreamWhoseReadsThenFail() throws IOException {
    Store store = Fixtures.open(tmp);
    Digest d = Fixtures.put(store, Fixtures.random(1, 3 * Fixtures.CHUNK));
    InputStream in = store.openBlob(d);
    assertThat(in.read()).isNotNegative();

    store.close();

    assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessageContaining("closed");
    in.close();
  }

  @Test
  void closingStreamAfterStoreIsReopenedDoesNothing() {
    Store store = Fixtures.open(tmp);
    Digest d = Fixtures.put(store, Fixtures.random(2, 10));
    InputStream in = store.openBlob(d);
    store.close();

    try (Store again = Fixtures.open(tmp)) {
      assertThat(Fixtures.readAll(again.openBlob(d))).hasSize(10);
    }
    assertThatThrownBy(in::read).isInstanceOf(IOException.class);
  }

  @Test
  void closeFromVisitorIsRefused() {
    Store store = Fixtures.open(tmp);
    try {
      Fixtures.put(store, Fixtures.utf8("x"));

      assertThatThrownBy(() -> store.forEachBlob(b -> store.close()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("visitor");
      assertThat(store.hasBlob(Digest.sha256Of("x"))).isTrue();
    } finally {
      store.close();
    }
  }

  @Test
  void closedLeaseRefusesPins() {
    try (Store store = Fixtures.open(tmp)) {
      IngestLease lease = store.lease();
      lease.close();

      assertThatThrownBy(() -> lease.pin(Digests.ABSENT))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("lease is closed");
    }
  }

  @Test
  void closeWaitsForConcurrentReaders() throws Exception {
    Store store = Fixtures.open(tmp);
    Digest d = Fixtures.put(store, Fixtures.random(3, 8 * Fixtures.CHUNK));
    Thread reader =
        new Thread(
            () -> {
              for (int i = 0; i < 10_000; i++) {
                try (InputStream in = store.openBlob(d)) {
                  in.transferTo(java.io.OutputStream.nullOutputStream());
                } catch (IOException | StoreException e) {
                  return; // the store closed under us: a clean failure, not a crash
                }
              }
            });
    reader.start();
    Thread.sleep(50);

    store.close();
    reader.join(10_000);

    assertThat(reader.isAlive()).isFalse();
  }
}
