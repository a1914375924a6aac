package io.gapsync.cli.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.gapsync.protocol.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of a docker-archive's {@code manifest.json} ({@code docker save} and skopeo format):
 * {@code {"Config":"<file>","RepoTags":["repo:tag"],"Layers":["<file>",...]}}. File names are
 * entries of the same archive; they are checked when opened.
 *
 * @param config the config file's entry name
 * @param repoTags the tags, possibly empty
 * @param layers the layer files' entry names, base layer first
 */
record DockerArchiveImage(String config, List<String> repoTags, List<String> layers) {

  /** Most images one manifest.json may list, and most layers per image. */
  static final int MAX_ITEMS = 10_000;

  /** Copies the lists. */
  DockerArchiveImage {
    repoTags = List.copyOf(repoTags);
    layers = List.copyOf(layers);
  }

  /**
   * A selected image with the ref name it gets.
   *
   * @param image the index into manifest.json
   * @param refName the full RepoTag as the archive lists it (e.g. {@code docker.io/library/x:1}),
   *     or null
   */
  record Selection(int image, String refName) {}

  /**
   * Parses {@code manifest.json}.
   *
   * @param bytes the bounded document
   * @param source the description for messages
   * @return the images, in order
   * @throws TransportException with {@code ARCHIVE_INVALID} if malformed
   */
  static List<DockerArchiveImage> parseAll(byte[] bytes, String source) throws TransportException {
    JsonNode root = Json.parseTree(bytes, bytes.length, "manifest.json of " + source);
    if (!root.isArray() || root.isEmpty() || root.size() > MAX_ITEMS) {
      throw invalid(source, "it is not a non-empty JSON array of images");
    }
    List<DockerArchiveImage> out = new ArrayList<>(root.size());
    for (int i = 0; i < root.size(); i++) {
      JsonNode n = root.get(i);
      String at = "entry " + i;
      if (!n.isObject()) {
        throw invalid(source, at + " is not an object");
      }
      JsonNode config = n.get("Config");
      if (config == null || !config.isTextual() || config.textValue().isEmpty()) {
        throw invalid(source, at + " has no Config file name");
      }
      out.add(
          new DockerArchiveImage(
              config.textValue(),
              strings(n.get("RepoTags"), true, at + " RepoTags", source),
              strings(n.get("Layers"), false, at + " Layers", source)));
    }
    return out;
  }

  /**
   * Selects images: {@code @N} by position, {@code repo:tag} by a matching RepoTag (normalized, so
   * {@code repo/x:t} matches {@code docker.io/repo/x:t}), null for every RepoTag of every image (an
   * untagged image once, unnamed). The ref name is the tag part; for {@code @N} it is the tag of
   * the image's only RepoTag, or null if it has none or several.
   *
   * @param images the parsed manifest.json
   * @param ref the reference, or null
   * @param source the description for messages
   * @return the selections, in order
   * @throws TransportException with {@code IMAGE_NOT_FOUND} if nothing matches
   */
  static List<Selection> select(List<DockerArchiveImage> images, String ref, String source)
      throws TransportException {
    List<Selection> out = new ArrayList<>();
    if (ref != null && ref.startsWith("@")) {
      int n = TransportRef.parseArchiveIndex(ref);
      if (n >= images.size()) {
        throw notFound(ref, source, "manifest.json lists only " + images.size() + " image(s)");
      }
      List<String> tags = images.get(n).repoTags();
      out.add(new Selection(n, tags.size() == 1 ? tags.get(0) : null));
      return out;
    }
    DockerReference wanted = ref == null ? null : DockerReference.parse(ref);
    List<String> all = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      List<String> tags = images.get(i).repoTags();
      all.addAll(tags);
      if (wanted == null && tags.isEmpty()) {
        out.add(new Selection(i, null));
      }
      for (String tag : tags) {
        if (wanted == null) {
          out.add(new Selection(i, tag));
        } else if (wanted.equals(parseOrNull(tag))) {
          out.add(new Selection(i, tag));
        }
      }
    }
    if (out.isEmpty()) {
      throw notFound(
          ref,
          source,
          "its RepoTags are "
              + (all.isEmpty() ? "empty" : all)
              + "; use one of them or @N for the N-th image");
    }
    return out;
  }

  private static DockerReference parseOrNull(String repoTag) {
    try {
      return DockerReference.parse(repoTag);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static List<String> strings(JsonNode n, boolean optional, String what, String source)
      throws TransportException {
    if (n == null || n.isNull()) {
      if (optional) {
        return List.of();
      }
      throw invalid(source, what + " is missing");
    }
    if (!n.isArray() || n.size() > MAX_ITEMS) {
      throw invalid(source, what + " is not an array of at most " + MAX_ITEMS + " strings");
    }
    List<String> out = new ArrayList<>(n.size());
    for (JsonNode s : n) {
      if (!s.isTextual() || s.textValue().isEmpty()) {
        throw invalid(source, what + " holds something other than a non-empty string");
      }
      out.add(s.textValue());
    }
    return out;
  }

  private static TransportException invalid(String source, String because) {
    return TransportException.failed(
        TransportException.Code.ARCHIVE_INVALID,
        "read manifest.json from " + source,
        because,
        "the archive is not a docker-archive written by docker save or skopeo");
  }

  private static TransportException notFound(String ref, String source, String because) {
    return TransportException.failed(
        TransportException.Code.IMAGE_NOT_FOUND,
        "find image " + ref + " in " + source,
        because,
        "check the reference");
  }
}
