package io.gapsync.cli;

import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Manifest;
import io.gapsync.protocol.Reference;
import io.gapsync.store.Store;
import io.gapsync.store.TagInfo;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gapsync ls [REPO]}: lists tags with their digest, kind and size. */
@Command(
    name = "ls",
    mixinStandardHelpOptions = true,
    description =
        "Lists the tags the store holds (of one repository, if given), with digest, kind and size.")
final class LsCommand implements Callable<Integer> {

  @Mixin StoreMixin storeOption;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "REPO",
      description = "Only this repository.")
  String repository;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  /**
   * One line of the listing.
   *
   * @param repository the repository
   * @param tag the tag
   * @param digest the manifest digest
   * @param mediaType the manifest media type
   * @param artifactType the artifact type, or null for images
   * @param platforms the platforms of an index, empty otherwise
   * @param size the bytes of the manifest(s) and every blob they reference, each counted once
   */
  record Entry(
      String repository,
      String tag,
      String digest,
      String mediaType,
      String artifactType,
      List<String> platforms,
      long size) {}

  @Override
  public Integer call() {
    if (repository != null) {
      Reference.parseRepository(repository);
    }
    List<Entry> entries = new ArrayList<>();
    try (Store store = storeOption.openReadOnly()) {
      List<TagInfo> tags = repository == null ? store.tags() : store.tags(repository);
      for (TagInfo t : tags) {
        entries.add(entry(store, t));
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      JsonOutput.print(out, entries);
      return 0;
    }
    if (entries.isEmpty()) {
      out.println(
          repository == null ? "The store holds no tags." : "No tags in " + repository + ".");
      return 0;
    }
    out.printf("%-40s %-20s %-19s %-10s %s%n", "REPOSITORY", "TAG", "DIGEST", "SIZE", "KIND");
    for (Entry e : entries) {
      String kind =
          e.artifactType() != null
              ? e.artifactType()
              : !e.platforms().isEmpty() ? "index: " + String.join(", ", e.platforms()) : "image";
      out.printf(
          "%-40s %-20s %-19s %-10s %s%n",
          e.repository(), e.tag(), e.digest().substring(0, 19), Sizes.human(e.size()), kind);
    }
    return 0;
  }

  static Entry entry(Store store, TagInfo t) {
    Manifest m = store.manifest(t.digest()).orElse(null);
    if (m == null) {
      return new Entry(
          t.repository(), t.tag(), t.digest().toString(), "missing", null, List.of(), 0);
    }
    List<String> platforms = new ArrayList<>();
    for (Descriptor d : m.manifests()) {
      if (d.platform() != null) {
        platforms.add(d.platform().toString());
      }
    }
    return new Entry(
        t.repository(),
        t.tag(),
        t.digest().toString(),
        m.mediaType(),
        m.artifactType(),
        platforms,
        size(store, m, new HashSet<>()));
  }

  private static long size(Store store, Manifest m, Set<Digest> seen) {
    if (!seen.add(m.digest())) {
      return 0;
    }
    long total = m.size();
    for (Descriptor d : m.blobReferences()) {
      if (seen.add(d.digest())) {
        total += d.size();
      }
    }
    for (Descriptor d : m.manifestReferences()) {
      Manifest child = store.manifest(d.digest()).orElse(null);
      if (child != null) {
        total += size(store, child, seen);
      }
    }
    return total;
  }
}
