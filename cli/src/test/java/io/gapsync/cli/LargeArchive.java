package io.gapsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import io.gapsync.store.BlobInfo;
import io.gapsync.store.PutResult;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A signed archive big enough to interrupt (about 25 MB, 16 blobs, five tags): the three sample
 * images ({@code apps/web:v1..v3}, sharing the 2 MB base layer), {@code apps/data:1.0} with six
 * random 3 MB layers (carried as they are), and {@code apps/logs:1.0} with one text-like 4 MB tar
 * layer (which the archive zstd-encodes). Content is seeded, so the blobs are the same every run.
 */
final class LargeArchive {

  private static final long CONTENT_SEED = 20261126L;
  private static final ObjectMapper JSON = new ObjectMapper();

  private LargeArchive() {}

  /**
   * An exported archive.
   *
   * @param archive the archive file
   * @param pub the producer's public key (a trust file for {@code import --trust})
   * @param blobBytes the size of all its blobs together (before encoding)
   */
  record Exported(Path archive, Path pub, long blobBytes) {}

  /**
   * Builds a connected store and a key under {@code dir}, and exports the archive against the
   * (empty) inventory of {@code site}.
   *
   * @param dir a folder of the test's own
   * @param clock the export's clock (creation time; expiry 30 days later)
   * @param site the store the archive is for; its site id is what the archive names
   */
  static Exported export(Path dir, Clock clock, Path site) throws Exception {
    Path connected = dir.resolve("connected");
    try (Store c =
        Store.open(connected, StoreOptions.defaults().withSyncWrites(false), "depot-1")) {
      SampleImages.add(c, "apps/web", "v1");
      SampleImages.add(c, "apps/web", "v2");
      SampleImages.add(c, "apps/web", "v3");
      Random content = new Random(CONTENT_SEED);
      addImage(c, "apps/data", content, MediaTypes.OCI_LAYER_GZIP, 6, 3 << 20);
      addImage(c, "apps/logs", content, MediaTypes.OCI_LAYER_TAR, 1, 4 << 20);
    }
    CliRun key =
        ArchiveCli.run(clock, "key", "generate", "--out", dir.resolve("keys/producer").toString());
    assertThat(key.exitCode()).as(key.toString()).isZero();
    Path inventory = ArchiveCli.inventory(site, dir.resolve("inv.json"), clock);
    Path out = dir.resolve("out");
    CliRun export =
        ArchiveCli.run(
            clock,
            "export",
            "--store",
            connected.toString(),
            "--against",
            inventory.toString(),
            "--key",
            dir.resolve("keys/producer.key").toString(),
            "-o",
            out.toString());
    assertThat(export.exitCode()).as(export.toString()).isZero();
    long blobBytes = StoreSnapshot.of(connected).blobs().stream().mapToLong(BlobInfo::size).sum();
    try (Stream<Path> s = Files.list(out)) {
      Path archive = s.filter(p -> p.toString().endsWith(".gsa")).findFirst().orElseThrow();
      return new Exported(archive, dir.resolve("keys/producer.pub"), blobBytes);
    }
  }

  /**
   * Adds an image of {@code layers} layers of {@code layerBytes} each, tagged {@code 1.0}. Layers
   * typed gzip are random (the archive carries them as they are); layers typed tar are text-like,
   * so the archive zstd-encodes them and the import decodes them.
   */
  private static void addImage(
      Store store, String repository, Random random, String layerType, int layers, int layerBytes)
      throws IOException {
    List<Map<String, Object>> descriptors = new ArrayList<>();
    List<String> diffIds = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      byte[] layer = new byte[layerBytes];
      random.nextBytes(layer);
      if (layerType.equals(MediaTypes.OCI_LAYER_TAR)) {
        for (int j = 0; j < layer.length; j++) {
          layer[j] = (byte) ('a' + (layer[j] & 15));
        }
      }
      PutResult r = store.putBlob(new ByteArrayInputStream(layer), null, -1);
      descriptors.add(descriptor(layerType, r.digest(), r.size()));
      diffIds.add(r.digest().toString());
    }
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("architecture", "amd64");
    config.put("os", "linux");
    config.put("rootfs", Map.of("type", "layers", "diff_ids", diffIds));
    byte[] configBytes = JSON.writeValueAsBytes(config);
    PutResult c = store.putBlob(new ByteArrayInputStream(configBytes), null, -1);
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
    manifest.put("config", descriptor(MediaTypes.OCI_CONFIG, c.digest(), c.size()));
    manifest.put("layers", descriptors);
    PutResult m = store.putManifest(JSON.writeValueAsBytes(manifest), MediaTypes.OCI_MANIFEST);
    store.tag(repository, "1.0", m.digest());
  }

  private static Map<String, Object> descriptor(String mediaType, Digest digest, long size) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("mediaType", mediaType);
    d.put("digest", digest.toString());
    d.put("size", size);
    return d;
  }
}
