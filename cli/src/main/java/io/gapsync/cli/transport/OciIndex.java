package io.gapsync.cli.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Json;
import io.gapsync.protocol.Manifest;
import io.gapsync.protocol.ManifestParser;
import io.gapsync.protocol.MediaTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The {@code oci-layout} marker and {@code index.json} of an OCI image layout (image-spec v1.1
 * "image-layout.md"): reading them as hostile input, selecting roots by ref name, and rendering an
 * updated index.
 */
final class OciIndex {

  /** The annotation that names an index.json entry (the "tag" of skopeo's {@code oci:DIR:TAG}). */
  static final String REF_NAME = "org.opencontainers.image.ref.name";

  /** The only layout version there is; the marker file must say it. */
  static final String LAYOUT_VERSION = "1.0.0";

  /** The exact bytes gapsync writes to {@code oci-layout}. */
  static final byte[] LAYOUT_MARKER =
      ("{\"imageLayoutVersion\":\"" + LAYOUT_VERSION + "\"}").getBytes(StandardCharsets.UTF_8);

  /** Largest {@code index.json} accepted, in bytes. */
  static final int MAX_INDEX_BYTES = 4 * 1024 * 1024;

  /** Largest {@code oci-layout} accepted, in bytes. */
  static final int MAX_MARKER_BYTES = 4 * 1024;

  /**
   * The ref name grammar of image-spec annotations.md (the one skopeo's {@code oci:} transport
   * enforces): components of alphanumerics joined by {@code - . _ : @ +} or {@code --}, separated
   * by {@code /}.
   */
  private static final Pattern REF_NAME_PATTERN;

  static {
    String alnum = "[A-Za-z0-9]+";
    String component = alnum + "(?:(?:[-._:@+]|--)" + alnum + ")*";
    REF_NAME_PATTERN = Pattern.compile(component + "(?:/" + component + ")*");
  }

  private OciIndex() {}

  /** Returns true if the string is a valid OCI ref name. */
  static boolean isValidRefName(String name) {
    return name != null && name.length() <= 1024 && REF_NAME_PATTERN.matcher(name).matches();
  }

  /**
   * Checks the {@code oci-layout} marker.
   *
   * @param files the layout
   * @param source the description for messages
   * @throws TransportException with {@code LAYOUT_INVALID} if missing or of another version
   */
  static void checkMarker(LayoutFiles files, String source) throws IOException {
    long size = files.size("oci-layout");
    if (size < 0) {
      throw TransportException.failed(
          TransportException.Code.LAYOUT_INVALID,
          "read " + source,
          "it has no oci-layout file, so it is not an OCI image layout",
          "give a layout written by skopeo, umoci or gapsync");
    }
    byte[] bytes;
    try (var in = files.open("oci-layout")) {
      bytes = Streams.readBounded(in, MAX_MARKER_BYTES, "read oci-layout from " + source);
    }
    JsonNode root = Json.parseTree(bytes, MAX_MARKER_BYTES, "oci-layout of " + source);
    JsonNode version = root.get("imageLayoutVersion");
    if (version == null || !version.isTextual() || !LAYOUT_VERSION.equals(version.textValue())) {
      throw TransportException.failed(
          TransportException.Code.LAYOUT_INVALID,
          "read oci-layout from " + source,
          "its imageLayoutVersion is "
              + (version == null ? "missing" : version)
              + " where gapsync understands only \""
              + LAYOUT_VERSION
              + "\"",
          "write the layout with a tool that follows OCI image-spec 1.x");
    }
  }

  /**
   * Reads {@code index.json} as an OCI image index.
   *
   * @param files the layout
   * @param source the description for messages
   * @return the bytes and parsed index
   * @throws TransportException with {@code LAYOUT_INVALID} if missing
   * @throws io.gapsync.protocol.ProtocolException if malformed
   */
  static Manifest read(LayoutFiles files, String source) throws IOException {
    if (files.size("index.json") < 0) {
      throw TransportException.failed(
          TransportException.Code.LAYOUT_INVALID,
          "read " + source,
          "it has no index.json",
          "the layout is incomplete; copy the image into it again");
    }
    byte[] bytes;
    try (var in = files.open("index.json")) {
      bytes = Streams.readBounded(in, MAX_INDEX_BYTES, "read index.json from " + source);
    }
    return ManifestParser.parse(bytes, MediaTypes.OCI_INDEX, "index.json of " + source);
  }

  /**
   * Selects the roots named {@code ref}, or all entries if {@code ref} is null.
   *
   * @param index the parsed index.json
   * @param ref the ref name, or null
   * @param source the description for messages
   * @return the roots, in index order
   * @throws TransportException with {@code IMAGE_NOT_FOUND} if nothing matches, or {@code
   *     LAYOUT_INVALID} if a selected entry is not a manifest
   */
  static List<SourceImage> select(Manifest index, String ref, String source)
      throws TransportException {
    List<SourceImage> out = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Descriptor d : index.manifests()) {
      String name = d.annotations().get(REF_NAME);
      names.add(name == null ? "(unnamed " + d.digest().shortHex() + ")" : name);
      if (ref != null && !ref.equals(name)) {
        continue;
      }
      if (!MediaTypes.isManifest(d.mediaType())) {
        throw TransportException.failed(
            TransportException.Code.LAYOUT_INVALID,
            "read index.json entry " + d.digest() + " from " + source,
            "its media type '" + d.mediaType() + "' is not an image manifest or index",
            "select another entry with oci:DIR:REF");
      }
      out.add(new SourceImage(name, d));
    }
    if (out.isEmpty()) {
      throw TransportException.failed(
          TransportException.Code.IMAGE_NOT_FOUND,
          "find " + (ref == null ? "any image" : "the image named '" + ref + "'") + " in " + source,
          "index.json lists "
              + (names.isEmpty() ? "no images" : "only " + String.join(", ", names)),
          "use one of the listed names");
    }
    return out;
  }

  /**
   * Renders a new {@code index.json}: the existing document (top-level fields and entries kept as
   * they were) minus entries whose ref name a new root takes over, plus the new roots.
   *
   * @param existing the existing document, or null to start afresh
   * @param added the new roots, in order; a later one with the same name wins
   * @return the document's bytes (compact JSON)
   */
  static byte[] render(JsonNode existing, List<SourceImage> added) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode doc;
    if (existing != null && existing.isObject()) {
      doc = (ObjectNode) existing.deepCopy();
    } else {
      doc = f.objectNode();
      doc.put("schemaVersion", 2);
      doc.put("mediaType", MediaTypes.OCI_INDEX);
    }
    ArrayNode old = doc.get("manifests") instanceof ArrayNode a ? a : f.arrayNode();
    ArrayNode manifests = f.arrayNode();
    for (JsonNode entry : old) {
      if (!replaced(entry, added)) {
        manifests.add(entry);
      }
    }
    for (int i = 0; i < added.size(); i++) {
      SourceImage root = added.get(i);
      if (!replaced(entry(root), added.subList(i + 1, added.size()))) {
        manifests.add(entry(root));
      }
    }
    doc.set("manifests", manifests);
    try {
      return Json.mapper().writeValueAsBytes(doc);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot serialise index.json", e);
    }
  }

  /** An entry is replaced by a root with the same ref name, or the same digest if unnamed. */
  private static boolean replaced(JsonNode entry, List<SourceImage> added) {
    JsonNode annotations = entry.get("annotations");
    JsonNode name = annotations == null ? null : annotations.get(REF_NAME);
    String digest = entry.path("digest").asText("");
    for (SourceImage root : added) {
      if (name != null && name.isTextual()) {
        if (name.textValue().equals(root.refName())) {
          return true;
        }
      } else if (root.refName() == null && root.descriptor().digest().toString().equals(digest)) {
        return true;
      }
    }
    return false;
  }

  private static ObjectNode entry(SourceImage root) {
    Descriptor d = root.descriptor();
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("mediaType", d.mediaType());
    n.put("digest", d.digest().toString());
    n.put("size", d.size());
    if (d.platform() != null) {
      ObjectNode p = n.putObject("platform");
      p.put("architecture", d.platform().architecture());
      p.put("os", d.platform().os());
      if (d.platform().variant() != null) {
        p.put("variant", d.platform().variant());
      }
    }
    if (d.artifactType() != null) {
      n.put("artifactType", d.artifactType());
    }
    Map<String, String> annotations = new TreeMap<>(d.annotations());
    annotations.remove(REF_NAME);
    if (root.refName() != null) {
      annotations.put(REF_NAME, root.refName());
    }
    if (!annotations.isEmpty()) {
      ObjectNode a = n.putObject("annotations");
      annotations.forEach(a::put);
    }
    return n;
  }
}
