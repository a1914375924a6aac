package io.gapsync.cli;

import io.gapsync.daemon.archive.ArchiveRefusedException;
import io.gapsync.daemon.archive.ReturnedInventory;
import io.gapsync.protocol.ProtocolException;
import io.gapsync.protocol.trust.TrustPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The inbox of {@code export --inbox DIR}: the folder returned inventories are dropped into (with
 * their {@code .sig}). Picks the newest inventory whose signature verifies; the others stay where
 * they are, and each one refused is reported on standard error (docs/OPERATIONS.md, "Scheduled
 * export").
 *
 * <p>Newest means: the highest watermark for the exporting producer (the site applied more of its
 * archives), then the latest {@code createdAt}, then the greatest file name. Only one site's
 * inventories may lie in an inbox. Inventories are read one at a time; only the best so far is kept
 * in memory.
 */
final class Inbox {

  private Inbox() {}

  static ReturnedInventory newest(
      Path inbox, TrustPolicy siteTrust, String producer, PrintWriter err) throws IOException {
    if (!Files.isDirectory(inbox)) {
      throw new CliException(
          "Tried to look for returned inventories in the inbox "
              + inbox
              + " but it is not a folder: create it and copy the site's inventory-*.json and .sig"
              + " files into it");
    }
    List<Path> candidates;
    try (Stream<Path> s = Files.list(inbox)) {
      candidates =
          s.filter(
                  p -> {
                    String n = p.getFileName().toString();
                    return n.endsWith(".json") && !n.startsWith(".") && Files.isRegularFile(p);
                  })
              .sorted()
              .toList();
    }
    Comparator<ReturnedInventory> order =
        Comparator.<ReturnedInventory>comparingLong(
                r -> r.inventory().header().watermarks().getOrDefault(producer, 0L))
            .thenComparing(r -> r.inventory().header().createdAt())
            .thenComparing(r -> r.file().getFileName().toString());
    ReturnedInventory best = null;
    List<String> refused = new ArrayList<>();
    for (Path p : candidates) {
      ReturnedInventory r;
      try {
        r = ReturnedInventory.read(p, siteTrust);
      } catch (ArchiveRefusedException | ProtocolException e) {
        refused.add(p.getFileName().toString());
        err.println("gapsync: skipped: " + e.getMessage());
        continue;
      }
      if (best != null && !best.inventory().siteId().equals(r.inventory().siteId())) {
        throw new CliException(
            "Tried to pick the newest inventory in the inbox "
                + inbox
                + " but it holds inventories of two sites ("
                + best.inventory().siteId()
                + " in "
                + best.file().getFileName()
                + ", "
                + r.inventory().siteId()
                + " in "
                + p.getFileName()
                + "): give each site an inbox of its own");
      }
      if (best == null || order.compare(r, best) > 0) {
        best = r;
      }
    }
    if (best == null) {
      throw new CliException(
          "Tried to pick the newest verified inventory in the inbox "
              + inbox
              + " but found none"
              + (refused.isEmpty() ? "" : " (refused: " + String.join(", ", refused) + ")")
              + ": copy the site's inventory-*.json with its .sig into it");
    }
    return best;
  }
}
