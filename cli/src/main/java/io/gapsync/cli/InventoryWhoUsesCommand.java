package io.gapsync.cli;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.ProtocolException;
import io.gapsync.store.Store;
import io.gapsync.store.TagInfo;
import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gapsync inventory who-uses DIGEST}: which manifests and tags reference a blob. */
@Command(
    name = "who-uses",
    mixinStandardHelpOptions = true,
    description = {
      "Lists the manifests that reference a blob or manifest (directly, or through an",
      "index), and the tags that reach it."
    })
final class InventoryWhoUsesCommand implements Callable<Integer> {

  @Mixin StoreMixin storeOption;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIGEST", description = "The blob or manifest digest.")
  String digest;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  @Override
  public Integer call() {
    Digest target;
    try {
      target = Digest.parse(digest);
    } catch (ProtocolException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    Set<Digest> manifests = new LinkedHashSet<>();
    List<String> tags = new ArrayList<>();
    boolean held;
    try (Store store = storeOption.openReadOnly()) {
      held = store.hasBlob(target) || store.hasManifest(target);
      Deque<Digest> queue = new ArrayDeque<>(List.of(target));
      while (!queue.isEmpty()) {
        for (Digest parent : store.referencedBy(queue.poll())) {
          if (manifests.add(parent)) {
            queue.add(parent);
          }
        }
      }
      for (TagInfo t : store.tags()) {
        if (t.digest().equals(target) || manifests.contains(t.digest())) {
          tags.add(t.reference());
        }
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("digest", target.toString());
      m.put("held", held);
      m.put("manifests", manifests.stream().map(Digest::toString).toList());
      m.put("tags", tags);
      JsonOutput.print(out, m);
      return 0;
    }
    if (!held) {
      out.println(target + " is not in this store.");
    }
    for (Digest d : manifests) {
      out.println("manifest " + d);
    }
    for (String t : tags) {
      out.println("tag      " + t);
    }
    if (held && manifests.isEmpty() && tags.isEmpty()) {
      out.println("Nothing references " + target + ": 'gapsync gc' will remove it.");
    }
    return 0;
  }
}
