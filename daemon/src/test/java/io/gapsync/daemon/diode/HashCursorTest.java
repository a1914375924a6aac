package io.gapsync.daemon.diode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.diode.BlockLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The running sha256 of a received object, over a real data file: blocks written in any order are
 * hashed once each, in order, and the digest is always that of the bytes the file holds.
 */
class HashCursorTest {

  // 10 blocks of 4 x 64 bytes; the last one holds 100 bytes (2 symbols, the second padded).
  private static final BlockLayout LAYOUT = new BlockLayout(9 * 256 + 100, 64, 4, 2, 4);

  @TempDir Path tmp;

  private byte[] content;
  private FileChannel data;

  @BeforeEach
  void open() throws IOException {
    content = new byte[(int) LAYOUT.size()];
    new Random(1).nextBytes(content);
    data =
        FileChannel.open(
            tmp.resolve("data"),
            StandardOpenOption.CREATE,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
  }

  @AfterEach
  void close() throws IOException {
    data.close();
  }

  /** Writes a block's data symbols (zero-padded) as the receiver does; returns what it wrote. */
  private ByteBuffer write(int block, byte[] from) throws IOException {
    int symbols = LAYOUT.dataSymbols(block);
    ByteBuffer b = ByteBuffer.allocate(symbols * LAYOUT.symbolSize());
    long at = LAYOUT.dataOffset(block, 0);
    b.put(from, (int) at, (int) Math.min(b.capacity(), from.length - at)).clear();
    data.write(b, at);
    return b.flip();
  }

  private static byte[] sha256(byte[] bytes) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(bytes);
  }

  private byte[] finish(HashCursor h) throws IOException {
    data.truncate(LAYOUT.size());
    return h.finish(ByteBuffer.allocate(100), data.size());
  }

  @Test
  void blocksWrittenInOrderAreHashedFromMemoryAndTheFinishReadsNothing() throws Exception {
    HashCursor h = new HashCursor(LAYOUT, data);
    for (int b = 0; b < LAYOUT.blockCount(); b++) {
      h.completed(b, write(b, content));
    }

    byte[] digest = finish(h);

    assertThat(digest).isEqualTo(sha256(content));
    assertThat(h.finishReadBytes()).isZero();
    assertThat(h.readBackBytes()).isZero();
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void blocksWrittenInAnyOrderAreReadBackInOrderAndHashedOnce(long seed) throws Exception {
    HashCursor h = new HashCursor(LAYOUT, data);
    List<Integer> order = new ArrayList<>();
    for (int b = 0; b < LAYOUT.blockCount(); b++) {
      order.add(b);
    }
    Collections.shuffle(order, new Random(seed));
    ByteBuffer through = ByteBuffer.allocate(100); // smaller than a block: read in pieces
    long readBack = 0;
    for (int b : order) {
      h.completed(b, write(b, content));
      readBack += h.catchUp(through, 2);
    }
    while (h.behind()) {
      readBack += h.catchUp(through, 2);
    }

    assertThat(h.cursor()).isEqualTo(LAYOUT.blockCount());
    assertThat(finish(h)).isEqualTo(sha256(content));
    assertThat(h.finishReadBytes()).isZero();
    assertThat(h.readBackBytes()).isEqualTo(readBack).isLessThan(LAYOUT.size());
  }

  @Test
  void aCatchUpHashesAtMostTheBlocksItIsAllowed() throws Exception {
    HashCursor h = new HashCursor(LAYOUT, data);
    for (int b = LAYOUT.blockCount() - 1; b >= 1; b--) {
      h.completed(b, write(b, content));
    }
    h.completed(0, write(0, content));

    assertThat(h.catchUp(ByteBuffer.allocate(256), 3)).isEqualTo(3 * 256);
    assertThat(h.cursor()).isEqualTo(4);
    assertThat(h.behind()).isTrue();
  }

  @Test
  void blocksSettledByTheWorkerAreReadBackAndTheFinishHashesTheRestFromTheFile() throws Exception {
    HashCursor h = new HashCursor(LAYOUT, data);
    // Blocks 0-3 found whole after a restart; 4 and 6 completed; 5 restored but never settled.
    for (int b = 0; b < 4; b++) {
      write(b, content);
      h.settled(b);
    }
    h.completed(4, write(4, content));
    write(5, content);
    h.restored(5);
    h.completed(6, write(6, content));
    h.catchUp(ByteBuffer.allocate(256), 100);
    assertThat(h.cursor()).isEqualTo(5);
    for (int b = 7; b < LAYOUT.blockCount(); b++) {
      write(b, content);
    }

    assertThat(finish(h)).isEqualTo(sha256(content));
    assertThat(h.readBackBytes()).isEqualTo(5 * 256); // 0-3, and 4 written ahead of them
    assertThat(h.finishReadBytes()).isEqualTo(LAYOUT.size() - 5 * 256);
  }

  @Test
  void aHashedBlockWrittenAgainDropsTheRunningDigestAndTheFinishHashesTheWholeFile()
      throws Exception {
    HashCursor h = new HashCursor(LAYOUT, data);
    for (int b = 0; b < 3; b++) {
      h.completed(b, write(b, content));
    }
    // An outer recovery writes block 1 again, with other bytes: they are what gets published, so
    // they are what the digest must cover.
    byte[] changed = content.clone();
    changed[300] ^= 1;
    write(1, changed);
    h.restored(1);
    assertThat(h.valid()).isFalse();
    assertThat(h.isFinal(0)).isFalse();
    for (int b = 3; b < LAYOUT.blockCount(); b++) {
      h.completed(b, write(b, changed));
    }

    assertThat(finish(h)).isEqualTo(sha256(changed));
    assertThat(h.finishReadBytes()).isEqualTo(LAYOUT.size());
  }

  @Test
  void aCompletedBlockBehindTheCursorAlsoDropsTheRunningDigest() throws Exception {
    HashCursor h = new HashCursor(LAYOUT, data);
    h.completed(0, write(0, content));
    h.completed(0, write(0, content));

    assertThat(h.valid()).isFalse();
    for (int b = 1; b < LAYOUT.blockCount(); b++) {
      h.completed(b, write(b, content));
    }
    assertThat(finish(h)).isEqualTo(sha256(content));
    assertThat(h.finishReadBytes()).isEqualTo(LAYOUT.size());
  }

  @Test
  void onlyHashedOrWaitingBlocksAreFinalAndOuterBlocksNever() throws Exception {
    BlockLayout outer = new BlockLayout(LAYOUT.size(), 64, 4, 2, 4, 1, 5);
    HashCursor h = new HashCursor(outer, data);
    h.completed(0, write(0, content));
    h.completed(2, write(2, content));
    h.settled(3);
    h.settled(outer.blockCount()); // an outer block: ignored

    assertThat(h.isFinal(0)).isTrue();
    assertThat(h.isFinal(1)).isFalse();
    assertThat(h.isFinal(2)).isTrue();
    assertThat(h.isFinal(3)).isTrue();
    assertThat(h.isFinal(outer.blockCount())).isFalse();
    assertThat(h.behind()).isFalse();
  }

  @Test
  void aFailedReadBackDropsTheRunningDigest() throws Exception {
    HashCursor h = new HashCursor(LAYOUT, data);
    h.completed(1, write(1, content));
    h.completed(0, write(0, content));
    FileChannel closed = FileChannel.open(tmp.resolve("data"), StandardOpenOption.READ);
    closed.close();
    HashCursor broken = new HashCursor(LAYOUT, closed);
    broken.completed(1, write(1, content));
    broken.completed(0, write(0, content));

    assertThatThrownBy(() -> broken.catchUp(ByteBuffer.allocate(256), 1))
        .isInstanceOf(java.nio.channels.ClosedChannelException.class);
    assertThat(broken.valid()).isFalse();
    assertThat(h.catchUp(ByteBuffer.allocate(256), 1)).isEqualTo(256);
    assertThat(h.valid()).isTrue();
  }

  @Test
  void aFileEndingInsideAWaitingBlockIsNeverGuessedButReadWholeAtTheFinish() throws Exception {
    HashCursor h = new HashCursor(LAYOUT, data);
    h.completed(0, write(0, content));
    h.settled(1); // claimed, yet the file holds nothing there

    h.catchUp(ByteBuffer.allocate(256), 1);

    assertThat(h.valid()).isFalse();
    for (int b = 1; b < LAYOUT.blockCount(); b++) {
      write(b, content);
    }
    assertThat(finish(h)).isEqualTo(sha256(content));
    assertThat(h.finishReadBytes()).isEqualTo(LAYOUT.size());
  }
}
