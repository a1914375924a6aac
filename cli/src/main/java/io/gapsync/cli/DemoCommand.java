package io.gapsync.cli;

import io.gapsync.cli.transport.ImageSink;
import io.gapsync.cli.transport.ImageSource;
import io.gapsync.cli.transport.TransportRef;
import io.gapsync.daemon.sync.DeltaPlan;
import io.gapsync.daemon.sync.DeltaPlanner;
import io.gapsync.daemon.sync.StoreInventory;
import io.gapsync.protocol.CompactInventory;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Reference;
import io.gapsync.store.FsckReport;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gapsync demo}: the main job end to end on an embedded sample, with two stores standing for
 * the connected side and the offline site. Used by the README's first command.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs gapsync's main job on an embedded sample image, with two stores standing for the",
      "connected side and the offline site: add v1.0, take the site's inventory, plan the delta,",
      "carry it across on 'media' (an OCI layout), add it offline, then plan the delta for v1.1,",
      "which shares a layer with v1.0 and so needs only what changed. Ends with fsck."
    })
final class DemoCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--work",
      paramLabel = "DIR",
      description =
          "Keep the stores and files in DIR (default: a temporary folder, removed afterwards).")
  Path work;

  private PrintWriter out;

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    boolean temporary = work == null;
    Path dir = temporary ? Files.createTempDirectory("gapsync-demo-") : work;
    Files.createDirectories(dir);
    try {
      return run(dir);
    } finally {
      if (temporary) {
        deleteTree(dir);
      }
    }
  }

  private int run(Path dir) throws Exception {
    Path connectedDir = dir.resolve("connected");
    Path offlineDir = dir.resolve("offline");
    Path media = dir.resolve("media");
    try (Store connected = Store.open(connectedDir, StoreOptions.defaults(), "connected-demo");
        Store offline = Store.open(offlineDir, StoreOptions.defaults(), "offline-demo")) {
      step("1. Connected side: add the sample image demo/app:1.0");
      Digest v1 = SampleImages.add(connected, "demo/app", "1.0");
      out.println("   demo/app:1.0 = " + v1);

      step("2. Offline site: export its inventory (it holds nothing yet)");
      Path inv0 = inventory(offline, dir.resolve("offline-inventory-0.json"));

      step("3. Connected side: plan the delta against that inventory");
      DeltaPlan p0 = plan(connected, inv0, "demo/app", "1.0");

      step("4. Carry it across on media (an OCI layout) and add it at the offline site");
      try (ImageSink sink = TransportRef.parse("oci:" + media).openSink()) {
        new Exporter(connected).run(v1, sink, "1.0");
        sink.commit();
      }
      try (ImageSource src = TransportRef.parse("oci:" + media + ":1.0").openSource()) {
        new Importer(offline, PlatformChoice.ALL).run(src, Reference.parse("demo/app:1.0"));
      }
      Digest arrived = offline.resolveTag("demo/app", "1.0").orElseThrow();
      out.println(
          "   offline demo/app:1.0 = "
              + arrived
              + (arrived.equals(v1) ? " (identical)" : " (DIFFERENT)"));

      step("5. Offline site: export its inventory again; connected side adds demo/app:1.1");
      Path inv1 = inventory(offline, dir.resolve("offline-inventory-1.json"));
      Digest v11 = SampleImages.add(connected, "demo/app", "1.1");
      out.println("   demo/app:1.1 = " + v11);

      step("6. Connected side: plan the delta for 1.1: only the changed layer and config travel");
      DeltaPlan p1 = plan(connected, inv1, "demo/app", "1.1");

      step("7. Offline site: fsck");
      FsckReport r = offline.fsck(null);
      out.println(
          "   "
              + (r.ok() ? "OK" : r.problems().size() + " problems")
              + ": "
              + r.blobsChecked()
              + " blobs, "
              + r.manifestsChecked()
              + " manifests checked");
      boolean ok = arrived.equals(v1) && r.ok() && p1.blobs().size() < p0.blobs().size();
      out.println();
      out.println(
          ok
              ? "Demo passed: the delta for 1.1 is "
                  + Sizes.human(p1.blobBytes())
                  + " where the full image is "
                  + Sizes.human(p0.blobBytes())
                  + "."
              : "Demo FAILED: see above.");
      return ok ? 0 : 1;
    }
  }

  private void step(String text) {
    out.println(text);
  }

  private Path inventory(Store store, Path file) throws Exception {
    try (OutputStream os = Files.newOutputStream(file)) {
      StoreInventory.write(store, os, Instant.now(), new TreeMap<>());
    }
    out.println("   wrote " + file + " (" + Files.size(file) + " bytes)");
    return file;
  }

  private DeltaPlan plan(Store store, Path inventory, String repo, String tag) throws Exception {
    CompactInventory site = InventoryFiles.read(inventory);
    DeltaPlan plan =
        new DeltaPlanner(store)
            .plan(
                site,
                List.of(
                    new io.gapsync.store.TagInfo(
                        repo, tag, store.resolveTag(repo, tag).orElseThrow())));
    out.println(
        "   site "
            + plan.siteId()
            + " lacks "
            + plan.manifests().size()
            + " manifests and "
            + plan.blobs().size()
            + " blobs ("
            + Sizes.human(plan.blobBytes())
            + "); holds "
            + plan.blobsPresent()
            + " blobs ("
            + Sizes.human(plan.bytesPresent())
            + ") already");
    return plan;
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
