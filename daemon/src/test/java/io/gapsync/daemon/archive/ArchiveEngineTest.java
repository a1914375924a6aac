package io.gapsync.daemon.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.daemon.sync.DeltaPlan;
import io.gapsync.daemon.sync.StoreInventory;
import io.gapsync.protocol.CompactInventory;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.InventoryReader;
import io.gapsync.protocol.MediaTypes;
import io.gapsync.protocol.archive.ArchiveFiles;
import io.gapsync.protocol.trust.SigningKey;
import io.gapsync.protocol.trust.TrustPolicy;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive engine without the command line: {@link ArchiveExporter} plans and writes an archive
 * from a real store, {@link ArchiveImporter} applies it to another, and progress is reported
 * through the {@link ProgressListener}.
 */
class ArchiveEngineTest {

  private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

  @TempDir Path tmp;

  private static Digest blob(Store s, String text) throws Exception {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return s.putBlob(new ByteArrayInputStream(b), Digest.sha256Of(b), b.length).digest();
  }

  private static String descriptor(String mediaType, Digest d, long size) {
    return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + d + "\",\"size\":" + size + "}";
  }

  /** Stores a one-layer image and tags it. */
  private static Digest image(Store s, String repo, String tag, String layer) throws Exception {
    String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"v\":\"" + layer + "\"}";
    Digest c = blob(s, config);
    Digest l = blob(s, layer);
    String manifest =
        "{\"schemaVersion\":2,\"mediaType\":\""
            + MediaTypes.OCI_MANIFEST
            + "\",\"config\":"
            + descriptor(MediaTypes.OCI_CONFIG, c, config.length())
            + ",\"layers\":["
            + descriptor(MediaTypes.OCI_LAYER_GZIP, l, layer.length())
            + "]}";
    Digest m =
        s.putManifest(manifest.getBytes(StandardCharsets.UTF_8), MediaTypes.OCI_MANIFEST).digest();
    s.tag(repo, tag, m);
    return m;
  }

  private static CompactInventory inventory(Store s) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StoreInventory.write(s, out, NOW, new TreeMap<>());
    return new InventoryReader().readCompact(new ByteArrayInputStream(out.toByteArray()), "site");
  }

  @Test
  void anArchiveExportedFromOneStoreAppliesToTheSiteAndReportsProgress() throws Exception {
    SigningKey key = SigningKey.generate(new java.security.SecureRandom());
    List<Long> progress = new ArrayList<>();
    ProgressListener listener =
        (label, total) ->
            new ProgressListener.Meter() {
              @Override
              public void advance(long bytes) {
                progress.add(bytes);
              }

              @Override
              public void close() {}
            };
    try (Store connected = Store.open(tmp.resolve("c"), StoreOptions.defaults(), "depot-1");
        Store site = Store.open(tmp.resolve("s"), StoreOptions.defaults(), "site-a")) {
      Digest m = image(connected, "apps/web", "v1", "layer one");
      ArchiveExporter exporter = new ArchiveExporter(connected, 3, listener);
      CompactInventory inv = inventory(site);
      DeltaPlan plan = exporter.plan(inv, List.of());
      assertThat(plan.blobs()).hasSize(2);
      ArchiveExporter.Result r =
          exporter.export(
              plan,
              "site-a",
              Digest.sha256Of("inventory"),
              List.of(key),
              "depot-1",
              1,
              NOW,
              Duration.ofDays(1),
              tmp.resolve("out"),
              0);
      assertThat(r.statement().sequence()).isEqualTo(1);
      assertThat(progress.stream().mapToLong(Long::longValue).sum()).isEqualTo(r.archiveBytes());

      ArchiveImporter.Result applied =
          new ArchiveImporter(site, TrustPolicy.of(key.publicKey()), NOW, ProgressListener.NONE)
              .run(ArchiveFiles.locate(r.files()).get(0));
      assertThat(applied.blobsAdded()).isEqualTo(2);
      assertThat(site.resolveTag("apps/web", "v1")).contains(m);
      assertThat(ArchiveImporter.watermarks(site)).containsEntry("depot-1", 1L);

      // The same archive at another site is refused, naming both sites; nothing changes there.
      try (Store other = Store.open(tmp.resolve("o"), StoreOptions.defaults(), "site-b")) {
        assertThatThrownBy(
                () ->
                    new ArchiveImporter(
                            other, TrustPolicy.of(key.publicKey()), NOW, ProgressListener.NONE)
                        .run(ArchiveFiles.locate(r.files()).get(0)))
            .isInstanceOf(ArchiveRefusedException.class)
            .hasMessageContaining("computed for site site-a and this store is site site-b");
        assertThat(other.tags()).isEmpty();
      }
    }
  }
}
