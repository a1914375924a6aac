package io.gapsync.cli.sync;

import io.gapsync.cli.registry.RegistryOptions;
import io.gapsync.cli.registry.RegistryRef;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Platform;
import io.gapsync.protocol.Reference;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * A validated sync set: what {@code gapsync sync} mirrors. Built only by {@link SyncSetParser}.
 *
 * @param name the {@code metadata.name}, or null
 * @param images the images and Helm charts, in file order
 * @param files the generic files, in file order
 * @param rewrites the registry rewrite (mirror) rules of {@code spec.registries}
 */
public record SyncSet(
    String name,
    List<ImageEntry> images,
    List<FileEntry> files,
    List<RegistryOptions.Rewrite> rewrites) {

  /** The only apiVersion understood. */
  public static final String API_VERSION = "gapsync.io/v1alpha1";

  /** The kind of the document. */
  public static final String KIND = "SyncSet";

  /** Validates the fields. */
  public SyncSet {
    images = List.copyOf(images);
    files = List.copyOf(files);
    rewrites = List.copyOf(rewrites);
  }

  /**
   * An image (or Helm chart) entry.
   *
   * @param ref the upstream reference; without tag and digest, {@code tags} selects the tags
   * @param tags the tag filter (used only when {@code ref} has neither tag nor digest)
   * @param platforms the platforms to keep; empty keeps all (and the exact index)
   * @param referrers whether to bring signatures, SBOMs and attestations that refer to the image
   * @param targetRepository the store repository, e.g. {@code mirror/app}
   * @param targetTag the store tag for a digest-only reference, or null to use the upstream tag
   * @param chart true for a {@code charts:} entry
   * @param line the line of the entry, for messages
   */
  public record ImageEntry(
      RegistryRef ref,
      TagFilter tags,
      List<Platform> platforms,
      boolean referrers,
      String targetRepository,
      String targetTag,
      boolean chart,
      int line) {
    /** Validates the fields. */
    public ImageEntry {
      platforms = List.copyOf(platforms);
    }

    /** Returns true if the entry names one tag or digest rather than filtering a repository. */
    public boolean pinned() {
      return ref.tag() != null || ref.digest() != null;
    }
  }

  /**
   * A generic file entry: exactly one of {@code url} and {@code path}.
   *
   * @param url where to download it, or null
   * @param path the local file, or null
   * @param sha256 the expected digest (checked before anything is stored), or null
   * @param target the store reference it is tagged as
   * @param artifactType the artifact type, or null for the default
   * @param line the line of the entry
   */
  public record FileEntry(
      URI url, Path path, Digest sha256, Reference target, String artifactType, int line) {}
}
