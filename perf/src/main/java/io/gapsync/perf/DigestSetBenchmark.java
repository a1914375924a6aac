package io.gapsync.perf;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import io.gapsync.protocol.DigestSet;
import java.util.Arrays;
import java.util.HashSet;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link DigestSet#contains} over a million sha256 digests, the lookup {@code gapsync inventory
 * missing} makes for every blob of every image, side by side with a {@code HashSet<Digest>} of the
 * same digests (the obvious alternative, at several times the memory).
 *
 * <p>Each call looks up the next of 4,096 pre-made digests, all present or all absent, so the
 * figure includes cache misses as a real lookup pattern would.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx2g"})
public class DigestSetBenchmark {

  private static final int PROBES = 4096;

  /** How many digests the set holds. */
  @Param("1000000")
  public int entries;

  private DigestSet set;
  private HashSet<Digest> hashSet;
  private Digest[] present;
  private Digest[] absent;
  private int next;

  /** Creates the benchmark state; JMH calls {@link #setUp()} before measuring. */
  public DigestSetBenchmark() {}

  /** Builds the set and the probes from a fixed seed. */
  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(42);
    Digest[] all = new Digest[entries];
    for (int i = 0; i < entries; i++) {
      all[i] = randomDigest(random);
    }
    Arrays.sort(all);
    DigestSet.Builder builder = DigestSet.builder();
    Digest previous = null;
    for (Digest d : all) {
      if (!d.equals(previous)) {
        builder.add(d, d.hex().length());
      }
      previous = d;
    }
    set = builder.build();
    hashSet = new HashSet<>(Arrays.asList(all));
    present = new Digest[PROBES];
    absent = new Digest[PROBES];
    for (int i = 0; i < PROBES; i++) {
      present[i] = all[random.nextInt(entries)];
      absent[i] = randomDigest(random);
    }
  }

  private static Digest randomDigest(SplittableRandom random) {
    byte[] raw = new byte[32];
    random.nextBytes(raw);
    return Digest.fromRaw(DigestAlgorithm.SHA256, raw);
  }

  /** Looks up a digest the set holds. */
  @Benchmark
  public boolean digestSetContainsPresent() {
    return set.contains(present[next++ & (PROBES - 1)]);
  }

  /** Looks up a digest the set lacks. */
  @Benchmark
  public boolean digestSetContainsAbsent() {
    return set.contains(absent[next++ & (PROBES - 1)]);
  }

  /** Baseline: the same lookup of a held digest in a {@code HashSet<Digest>}. */
  @Benchmark
  public boolean hashSetContainsPresent() {
    return hashSet.contains(present[next++ & (PROBES - 1)]);
  }

  /** Baseline: the same lookup of an absent digest in a {@code HashSet<Digest>}. */
  @Benchmark
  public boolean hashSetContainsAbsent() {
    return hashSet.contains(absent[next++ & (PROBES - 1)]);
  }
}
