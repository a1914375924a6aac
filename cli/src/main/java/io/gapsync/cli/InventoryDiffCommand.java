package io.gapsync.cli;

import io.gapsync.protocol.CompactInventory;
import io.gapsync.protocol.InventoryDiff;
import io.gapsync.protocol.InventoryEntry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gapsync inventory diff A B}: compares two inventories. */
@Command(
    name = "diff",
    mixinStandardHelpOptions = true,
    description = {
      "Compares two inventory files: tags added, removed or moved from A to B, and the",
      "manifests and blobs only one of them holds. Exit code 0 when they hold the same."
    })
final class InventoryDiffCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "A", description = "The first inventory.")
  Path a;

  @Parameters(index = "1", paramLabel = "B", description = "The second inventory.")
  Path b;

  @Option(names = "--json", description = "Print the difference as JSON.")
  boolean json;

  @Option(
      names = {"-v", "--verbose"},
      description = "List every manifest and blob that differs.")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    CompactInventory left = InventoryFiles.read(a);
    CompactInventory right = InventoryFiles.read(b);
    InventoryDiff d = InventoryDiff.compute(left, right);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("a", left.siteId());
      m.put("b", right.siteId());
      m.put(
          "tagChanges",
          d.tagChanges().stream()
              .map(
                  t -> {
                    Map<String, Object> x = new LinkedHashMap<>();
                    x.put("kind", t.kind().name().toLowerCase(java.util.Locale.ROOT));
                    x.put("repository", t.repository());
                    x.put("tag", t.tag());
                    x.put("before", t.before() == null ? null : t.before().toString());
                    x.put("after", t.after() == null ? null : t.after().toString());
                    return x;
                  })
              .toList());
      m.put(
          "manifestsOnlyInA",
          d.manifestsOnlyInA().stream().map(InventoryMissingCommand::entry).toList());
      m.put(
          "manifestsOnlyInB",
          d.manifestsOnlyInB().stream().map(InventoryMissingCommand::entry).toList());
      m.put("blobsOnlyInA", d.blobsOnlyInA().stream().map(InventoryMissingCommand::entry).toList());
      m.put("blobsOnlyInB", d.blobsOnlyInB().stream().map(InventoryMissingCommand::entry).toList());
      m.put("sizeConflicts", d.sizeConflicts().stream().map(Object::toString).toList());
      JsonOutput.print(out, m);
      return d.isEmpty() ? 0 : 1;
    }
    out.println(
        "A = " + a + " (site " + left.siteId() + "), B = " + b + " (site " + right.siteId() + ")");
    for (InventoryDiff.TagChange t : d.tagChanges()) {
      out.println("  " + t);
    }
    out.println(
        "Only in A: "
            + d.manifestsOnlyInA().size()
            + " manifests, "
            + d.blobsOnlyInA().size()
            + " blobs ("
            + Sizes.human(sum(d.blobsOnlyInA()))
            + ")");
    out.println(
        "Only in B: "
            + d.manifestsOnlyInB().size()
            + " manifests, "
            + d.blobsOnlyInB().size()
            + " blobs ("
            + Sizes.human(sum(d.blobsOnlyInB()))
            + ")");
    for (var c : d.sizeConflicts()) {
      out.println(
          "  size conflict: " + c + " has different sizes in A and B (one inventory is wrong)");
    }
    if (verbose) {
      d.manifestsOnlyInA().forEach(e -> out.println("  < manifest " + e.digest() + " " + e.size()));
      d.blobsOnlyInA().forEach(e -> out.println("  < blob     " + e.digest() + " " + e.size()));
      d.manifestsOnlyInB().forEach(e -> out.println("  > manifest " + e.digest() + " " + e.size()));
      d.blobsOnlyInB().forEach(e -> out.println("  > blob     " + e.digest() + " " + e.size()));
    }
    return d.isEmpty() ? 0 : 1;
  }

  private static long sum(java.util.List<InventoryEntry> l) {
    return l.stream().mapToLong(InventoryEntry::size).sum();
  }
}
