package io.gapsync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gapsync.cli.transport.ImageSource;
import io.gapsync.cli.transport.SourceImage;
import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import io.gapsync.protocol.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A multi-platform image reduced to some of its platforms, for {@code gapsync sync}: the root index
 * is replaced by a new index that lists only the entries of the chosen platforms (the same
 * descriptors, in the same order; an OCI index also gets the annotation {@link
 * #SOURCE_INDEX_ANNOTATION} with the upstream digest). The new index has a new digest, so
 * signatures of the upstream index no longer refer to it. If every entry is chosen, the source is
 * used as it is and the upstream index bytes are kept.
 */
final class PlatformSubset implements ImageSource {

  /** Annotation naming the upstream index a reduced index was made from. */
  static final String SOURCE_INDEX_ANNOTATION = "io.gapsync.sync.source-index";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ImageSource inner;
  private final SourceImage root;
  private final byte[] bytes;

  private PlatformSubset(ImageSource inner, SourceImage root, byte[] bytes) {
    this.inner = inner;
    this.root = root;
    this.bytes = bytes;
  }

  /**
   * Reduces a single-root source to some platforms.
   *
   * @param inner the source; closed by the returned source's {@link #close()}
   * @param platforms the platforms to keep; empty keeps all
   * @return the source to import from: {@code inner} itself if the root is not an index or every
   *     entry is kept
   * @throws CliException if the index lists none of the platforms
   * @throws IOException if the index cannot be read
   */
  static ImageSource of(ImageSource inner, List<Platform> platforms) throws IOException {
    SourceImage top = inner.roots().get(0);
    if (platforms.isEmpty() || !MediaTypes.isIndex(top.descriptor().mediaType())) {
      return inner;
    }
    byte[] original = inner.readManifest(top.descriptor());
    JsonNode tree = JSON.readTree(original);
    ArrayNode kept = JSON.createArrayNode();
    List<String> available = new ArrayList<>();
    int total = 0;
    for (JsonNode entry : tree.path("manifests")) {
      total++;
      Platform p = platformOf(entry.path("platform"));
      available.add(p == null ? "?" : p.toString());
      if (p != null && platforms.stream().anyMatch(want -> want.selects(p))) {
        kept.add(entry);
      }
    }
    if (kept.isEmpty()) {
      throw new CliException(
          "Tried to mirror "
              + inner.describe()
              + " for platforms "
              + platforms
              + " but its index "
              + top.descriptor().digest()
              + " lists only: "
              + String.join(", ", available)
              + ": fix the platforms of this entry in the sync set");
    }
    if (kept.size() == total) {
      return inner;
    }
    ObjectNode reduced = ((ObjectNode) tree).deepCopy();
    reduced.set("manifests", kept);
    if (MediaTypes.OCI_INDEX.equals(top.descriptor().mediaType())) {
      ObjectNode ann =
          reduced.has("annotations") && reduced.get("annotations").isObject()
              ? (ObjectNode) reduced.get("annotations")
              : reduced.putObject("annotations");
      ann.put(SOURCE_INDEX_ANNOTATION, top.descriptor().digest().toString());
    }
    byte[] bytes = JSON.writeValueAsBytes(reduced);
    Descriptor d =
        Descriptor.of(top.descriptor().mediaType(), Digest.sha256Of(bytes), bytes.length);
    return new PlatformSubset(inner, new SourceImage(top.refName(), d), bytes);
  }

  private static Platform platformOf(JsonNode p) {
    if (!p.isObject() || !p.path("os").isTextual() || !p.path("architecture").isTextual()) {
      return null;
    }
    try {
      String variant = p.path("variant").isTextual() ? p.get("variant").asText() : null;
      return new Platform(p.get("os").asText(), p.get("architecture").asText(), variant);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  @Override
  public String describe() {
    return inner.describe();
  }

  @Override
  public List<SourceImage> roots() {
    return List.of(root);
  }

  @Override
  public byte[] readManifest(Descriptor d) throws IOException {
    return d.digest().equals(root.descriptor().digest()) ? bytes.clone() : inner.readManifest(d);
  }

  @Override
  public InputStream openBlob(Descriptor d) throws IOException {
    return inner.openBlob(d);
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }
}
