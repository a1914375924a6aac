package io.gapsync.cli;

import io.gapsync.protocol.Reference;
import io.gapsync.store.Store;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gapsync rm REPO:TAG...}: removes tags; gc reclaims the content. */
@Command(
    name = "rm",
    mixinStandardHelpOptions = true,
    description = {
      "Removes tags. The content stays until 'gapsync gc' finds nothing else uses it.",
      "While 'gapsync serve' holds the store, goes through its admin socket."
    })
final class RmCommand implements Callable<Integer> {

  @Mixin StoreMixin storeOption;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "REPO:TAG", description = "The tags to remove.")
  List<String> references;

  @Override
  public Integer call() {
    // Validate every argument before changing anything.
    List<Reference> refs = references.stream().map(Refs::parse).toList();
    for (Reference r : refs) {
      if (r.tag() == null || r.digest() != null) {
        throw new CliException("Tried to remove '" + r + "' but rm takes REPO:TAG");
      }
    }
    Store opened;
    try {
      opened = storeOption.openWritable();
    } catch (io.gapsync.store.StoreException e) {
      return removeThroughDaemon(storeOption.daemonFor(e), refs);
    }
    try (Store store = opened) {
      for (Reference r : refs) {
        if (store.resolveTag(r.repository(), r.tag()).isEmpty()) {
          throw new CliException(
              "Tried to remove " + r + " but the store has no such tag; nothing was removed");
        }
      }
      for (Reference r : refs) {
        store.untag(r.repository(), r.tag());
        spec.commandLine().getOut().println("Removed " + r);
      }
    }
    return 0;
  }

  /** The same, through the daemon that holds the store. */
  private int removeThroughDaemon(DaemonClient daemon, List<Reference> refs) {
    for (Reference r : refs) {
      if (!daemon.hasTag(r.repository(), r.tag())) {
        throw new CliException(
            "Tried to remove " + r + " but the store has no such tag; nothing was removed");
      }
    }
    for (Reference r : refs) {
      daemon.deleteTag(r.repository(), r.tag());
      spec.commandLine().getOut().println("Removed " + r);
    }
    return 0;
  }
}
