package io.gapsync.perf;

import io.gapsync.protocol.CompactInventory;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import io.gapsync.protocol.Inventory;
import io.gapsync.protocol.InventoryHeader;
import io.gapsync.protocol.InventoryReader;
import io.gapsync.protocol.InventoryWriter;
import io.gapsync.protocol.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.TreeMap;
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
 * Parsing a million-blob inventory document held in memory (so the figure is the parser, not the
 * disk): {@link InventoryReader#readCompact}, what {@code gapsync inventory missing} uses, side by
 * side with {@link InventoryReader#read}, which builds an object per entry.
 *
 * <p>The document is written once per trial with {@link InventoryWriter}: {@code blobs} random
 * sha256 blobs and one manifest per hundred blobs, in the canonical form a site exports.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx2g"})
public class InventoryReadBenchmark {

  /** How many blobs the document lists. */
  @Param("1000000")
  public int blobs;

  private byte[] document;

  /** Creates the benchmark state; JMH calls {@link #setUp()} before measuring. */
  public InventoryReadBenchmark() {}

  /**
   * Writes the document.
   *
   * @throws IOException never: it is written to memory
   */
  @Setup
  public void setUp() throws IOException {
    SplittableRandom random = new SplittableRandom(7);
    Digest[] manifests = sortedRandom(random, Math.max(1, blobs / 100));
    Digest[] blobDigests = sortedRandom(random, blobs);
    ByteArrayOutputStream out = new ByteArrayOutputStream(blobs * 100);
    InventoryHeader header =
        InventoryHeader.of(
            "bench-site", Instant.parse("2024-06-01T00:00:00Z"), new TreeMap<>(), new TreeMap<>());
    try (InventoryWriter w = InventoryWriter.begin(out, header)) {
      for (Digest d : manifests) {
        w.manifest(d, 1000 + random.nextInt(20_000), MediaTypes.OCI_MANIFEST);
      }
      for (Digest d : blobDigests) {
        w.blob(d, random.nextLong(1L << 30));
      }
      w.finish();
    }
    document = out.toByteArray();
  }

  private static Digest[] sortedRandom(SplittableRandom random, int n) {
    Digest[] out = new Digest[n];
    for (int i = 0; i < n; i++) {
      byte[] raw = new byte[32];
      random.nextBytes(raw);
      out[i] = Digest.fromRaw(DigestAlgorithm.SHA256, raw);
    }
    Arrays.sort(out);
    // Random 256-bit values do not repeat in practice; the writer would refuse a duplicate.
    return out;
  }

  /**
   * Parses into the compact form.
   *
   * @return the inventory, so the work is not eliminated
   * @throws IOException never: the document is in memory
   */
  @Benchmark
  public CompactInventory readCompact() throws IOException {
    return new InventoryReader()
        .readCompact(new ByteArrayInputStream(document), "benchmark document");
  }

  /**
   * Parses into an object per entry.
   *
   * @return the inventory, so the work is not eliminated
   * @throws IOException never: the document is in memory
   */
  @Benchmark
  public Inventory readObjects() throws IOException {
    return new InventoryReader().read(new ByteArrayInputStream(document), "benchmark document");
  }
}
