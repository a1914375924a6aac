package io.gapsync.perf;

import io.gapsync.protocol.diode.Announcement;
import io.gapsync.protocol.diode.CauchyBitMatrixCode;
import io.gapsync.protocol.diode.ErasureCode;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The diode's FEC on one core: encoding one full block and restoring {@code erasures} lost data
 * symbols of it, for both schemes side by side ({@code 1}: byte-wise Cauchy Reed-Solomon with a 64
 * KiB product table; {@code 2}: the same code family as XOR bit matrices), at the symbol size a
 * 1,500-byte MTU gives (1,408 bytes).
 *
 * <p>One operation is one block of {@code k} data symbols: MB/s of data = {@code k * 1408 /
 * (microseconds per operation)}; {@code perf/fec-benchmark.sh} prints that column.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FecBenchmark {

  /** Symbol size at a 1,500-byte MTU rounded down to a multiple of 64 (docs/FORMAT.md 5.1). */
  public static final int SYMBOL_SIZE = 1408;

  /** FEC shape as {@code K:M}. */
  @Param({"200:10", "200:20", "226:27"})
  public String shape;

  /** FEC scheme id (Announcement.SCHEME_*). */
  @Param({"1", "2"})
  public int scheme;

  /** Lost data symbols the decode restores: 2 (typical at 1 % loss) or {@code m} (the most). */
  @Param({"2", "m"})
  public String erasures;

  /**
   * Scheme 2 only: {@code true} encodes through tables where they cost less (the default), {@code
   * false} one XOR per one bit everywhere, so one run gives the ratio.
   */
  @Param({"true", "false"})
  public boolean tables;

  /** Blocks per interleave group in {@link #encodeGroup} (the sender's default). */
  public static final int GROUP_BLOCKS = 32;

  private ErasureCode code;
  private byte[][][] groupData;
  private byte[][][] groupParity;
  private long[][] stripedData;
  private long[][] stripedParity;
  private byte[][] data;
  private byte[][] parity;
  private byte[][] shards;
  private boolean[] present;
  private int k;

  /** Creates the benchmark state; JMH calls {@link #setUp()} before measuring. */
  public FecBenchmark() {}

  /** Builds one block of random data, its parity, and a damaged copy (fixed seed). */
  @Setup
  public void setUp() {
    String[] km = shape.split(":");
    k = Integer.parseInt(km[0]);
    int m = Integer.parseInt(km[1]);
    code =
        scheme == Announcement.SCHEME_CAUCHY_BITMATRIX_GF256
            ? new CauchyBitMatrixCode(k, m, tables)
            : ErasureCode.forScheme(scheme, k, m);
    SplittableRandom random = new SplittableRandom(42);
    data = new byte[k][SYMBOL_SIZE];
    for (byte[] d : data) {
      random.nextBytes(d);
    }
    parity = new byte[m][SYMBOL_SIZE];
    code.encode(data, k, parity, SYMBOL_SIZE);
    if (code instanceof CauchyBitMatrixCode) {
      // Striped: one array per symbol index holding that symbol of every block of the group.
      int words = GROUP_BLOCKS * SYMBOL_SIZE / 8;
      stripedData = new long[k][words];
      stripedParity = new long[m][words];
      for (long[] d : stripedData) {
        for (int i = 0; i < words; i++) {
          d[i] = random.nextLong();
        }
      }
    } else {
      groupData = new byte[GROUP_BLOCKS][k][SYMBOL_SIZE];
      groupParity = new byte[GROUP_BLOCKS][m][SYMBOL_SIZE];
      for (byte[][] block : groupData) {
        for (byte[] d : block) {
          random.nextBytes(d);
        }
      }
    }
    int lost = "m".equals(erasures) ? m : Integer.parseInt(erasures);
    shards = new byte[k + m][];
    present = new boolean[k + m];
    for (int j = 0; j < k + m; j++) {
      shards[j] = j < k ? data[j].clone() : parity[j - k].clone();
      present[j] = true;
    }
    // Spread the losses over the block, as random loss would.
    for (int e = 0; e < lost; e++) {
      present[e * (k / lost)] = false;
    }
    if (scheme != Announcement.SCHEME_CAUCHY_RS_GF256
        && SYMBOL_SIZE % CauchyBitMatrixCode.SYMBOL_ALIGN != 0) {
      throw new IllegalStateException("symbol size must be a multiple of 8");
    }
  }

  /** Parity of one full block. */
  @Benchmark
  public byte[][] encode() {
    code.encode(data, k, parity, SYMBOL_SIZE);
    return parity;
  }

  /**
   * Parity of a whole interleave group of {@link #GROUP_BLOCKS} blocks, the way the sender does it
   * (scheme 1 block by block, scheme 2 striped); one operation is one block.
   */
  @Benchmark
  @OperationsPerInvocation(GROUP_BLOCKS)
  public Object encodeGroup() {
    if (code instanceof CauchyBitMatrixCode c) {
      int stride = GROUP_BLOCKS * SYMBOL_SIZE / 64;
      c.encodeStriped(stripedData, k, stripedParity, stride, 0, stride);
      return stripedParity;
    }
    for (int b = 0; b < GROUP_BLOCKS; b++) {
      code.encode(groupData[b], k, groupParity[b], SYMBOL_SIZE);
    }
    return groupParity;
  }

  /** Restores the lost data symbols of one block. */
  @Benchmark
  public byte[][] decode() {
    code.decode(shards, present, k, SYMBOL_SIZE);
    return shards;
  }
}
