package io.gapsync.cli;

import io.gapsync.daemon.sync.DeltaPlan;
import io.gapsync.daemon.sync.DeltaPlanner;
import io.gapsync.protocol.CompactInventory;
import io.gapsync.protocol.InventoryEntry;
import io.gapsync.protocol.Reference;
import io.gapsync.store.Store;
import io.gapsync.store.TagInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gapsync inventory missing --against FILE [REPO:TAG...]}: the layer-level delta plan. */
@Command(
    name = "missing",
    mixinStandardHelpOptions = true,
    description = {
      "Lists what the site described by an inventory lacks to hold the given images (every",
      "tag of this store when none is given): manifests, blobs and tag updates, with counts",
      "and bytes. Referrers (signatures, SBOMs) of those images count as part of them."
    })
final class InventoryMissingCommand implements Callable<Integer> {

  @Mixin StoreMixin storeOption;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--against",
      required = true,
      paramLabel = "FILE",
      description = "The other site's inventory.")
  Path against;

  @Parameters(
      arity = "0..*",
      paramLabel = "REPO:TAG",
      description = "The images the site should hold.")
  List<String> references = new ArrayList<>();

  @Option(names = "--json", description = "Print the plan as JSON.")
  boolean json;

  @Option(
      names = {"-v", "--verbose"},
      description = "List every missing manifest and blob.")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    List<Reference> refs = references.stream().map(Refs::parse).toList();
    CompactInventory site = InventoryFiles.read(against);
    DeltaPlan plan;
    try (Store store = storeOption.openReadOnly()) {
      List<TagInfo> tags = new ArrayList<>();
      for (Reference r : refs) {
        if (r.tag() == null) {
          throw new CliException("Tried to plan for '" + r + "' but missing takes REPO:TAG");
        }
        tags.add(new TagInfo(r.repository(), r.tag(), Refs.resolve(store, r.toString())));
      }
      plan = new DeltaPlanner(store).plan(site, tags);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      JsonOutput.print(out, toJson(plan));
      return 0;
    }
    out.println(
        "Site "
            + plan.siteId()
            + " lacks "
            + plan.manifests().size()
            + " manifests ("
            + Sizes.human(plan.manifestBytes())
            + ") and "
            + plan.blobs().size()
            + " blobs ("
            + Sizes.human(plan.blobBytes())
            + "); it already holds "
            + plan.blobsPresent()
            + " of the blobs ("
            + Sizes.human(plan.bytesPresent())
            + ") and "
            + plan.manifestsPresent()
            + " of the manifests.");
    for (DeltaPlan.TagUpdate t : plan.tags()) {
      out.println(
          "  tag "
              + t.repository()
              + ":"
              + t.tag()
              + " "
              + (t.from() == null ? "new" : t.from().shortHex())
              + " -> "
              + t.to());
    }
    if (verbose) {
      for (InventoryEntry e : plan.manifests()) {
        out.println("  manifest " + e.digest() + " " + e.size() + " " + e.mediaType());
      }
      for (InventoryEntry e : plan.blobs()) {
        out.println("  blob     " + e.digest() + " " + e.size());
      }
    }
    return 0;
  }

  /** The JSON shape of a plan: counts first, then the lists. */
  static java.util.Map<String, Object> toJson(DeltaPlan plan) {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("siteId", plan.siteId());
    m.put("manifestCount", plan.manifests().size());
    m.put("manifestBytes", plan.manifestBytes());
    m.put("blobCount", plan.blobs().size());
    m.put("blobBytes", plan.blobBytes());
    m.put("manifestsPresent", plan.manifestsPresent());
    m.put("blobsPresent", plan.blobsPresent());
    m.put("bytesPresent", plan.bytesPresent());
    m.put(
        "tags",
        plan.tags().stream()
            .map(
                t -> {
                  java.util.Map<String, Object> x = new java.util.LinkedHashMap<>();
                  x.put("repository", t.repository());
                  x.put("tag", t.tag());
                  x.put("from", t.from() == null ? null : t.from().toString());
                  x.put("to", t.to().toString());
                  return x;
                })
            .toList());
    m.put("manifests", plan.manifests().stream().map(InventoryMissingCommand::entry).toList());
    m.put("blobs", plan.blobs().stream().map(InventoryMissingCommand::entry).toList());
    return m;
  }

  static java.util.Map<String, Object> entry(InventoryEntry e) {
    java.util.Map<String, Object> x = new java.util.LinkedHashMap<>();
    x.put("digest", e.digest().toString());
    x.put("size", e.size());
    if (e.mediaType() != null) {
      x.put("mediaType", e.mediaType());
    }
    return x;
  }
}
