package io.gapsync.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads OCI and Docker manifests from their exact bytes, treating them as hostile: bounded size and
 * depth, duplicate keys rejected, every descriptor validated. The bytes are never rewritten.
 */
public final class ManifestParser {

  /**
   * Largest manifest accepted, in bytes. The distribution spec lets registries refuse manifests
   * over 4 MiB, and the common registries do.
   */
  public static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

  /** Most descriptors one manifest or index may list. */
  public static final int MAX_DESCRIPTORS = 10_000;

  private ManifestParser() {}

  /**
   * Parses a manifest.
   *
   * @param bytes the exact bytes
   * @param declaredMediaType the media type the source declared (descriptor or Content-Type), or
   *     null if none; must agree with the document's own {@code mediaType} when both are present
   * @param what a description for messages, e.g. "manifest sha256:... in oci:/tmp/x"
   * @return the manifest
   * @throws ProtocolException with {@code JSON_INVALID}, {@code MANIFEST_INVALID} or {@code
   *     MEDIA_TYPE_UNSUPPORTED}
   */
  public static Manifest parse(byte[] bytes, String declaredMediaType, String what) {
    JsonNode root = Json.parseTree(bytes, MAX_MANIFEST_BYTES, what);
    if (!root.isObject()) {
      throw invalid(what, "the top level is not a JSON object");
    }
    JsonNode schemaVersion = root.get("schemaVersion");
    if (schemaVersion == null || !schemaVersion.isInt() || schemaVersion.intValue() != 2) {
      throw invalid(what, "schemaVersion must be 2 (schema 1 manifests are not supported)");
    }
    String mediaType = optionalText(root, "mediaType", what);
    if (mediaType != null
        && declaredMediaType != null
        && !mediaType.equals(declaredMediaType)
        && !declaredMediaType.isEmpty()) {
      throw invalid(
          what,
          "its mediaType '"
              + mediaType
              + "' differs from the declared '"
              + declaredMediaType
              + "'");
    }
    if (mediaType == null) {
      mediaType =
          declaredMediaType != null && !declaredMediaType.isEmpty()
              ? declaredMediaType
              : inferMediaType(root, what);
    }
    if (!MediaTypes.isManifest(mediaType)) {
      throw new ProtocolException(
          ProtocolException.Code.MEDIA_TYPE_UNSUPPORTED,
          "Tried to read "
              + what
              + " but its media type '"
              + mediaType
              + "' is not an OCI or Docker schema 2 manifest or index");
    }
    Digest digest = Digest.sha256Of(bytes);
    Descriptor subject =
        root.has("subject") ? descriptor(root.get("subject"), what + " subject") : null;
    String artifactType = optionalText(root, "artifactType", what);
    if (MediaTypes.isIndex(mediaType)) {
      if (root.has("config") || root.has("layers")) {
        throw invalid(what, "an index must not have config or layers");
      }
      List<Descriptor> children = descriptors(root, "manifests", what);
      for (Descriptor d : children) {
        if (!MediaTypes.isManifest(d.mediaType())) {
          // OCI 1.1 allows artifacts of any type in an index; gapsync only follows manifests.
          if (d.mediaType().startsWith("application/vnd.oci.image.layer")) {
            throw invalid(what, "index entry " + d.digest() + " is a layer, not a manifest");
          }
        }
      }
      return new Manifest(
          bytes, digest, mediaType, null, List.of(), children, subject, artifactType);
    }
    if (root.has("manifests")) {
      throw invalid(what, "an image manifest must not have a manifests list");
    }
    JsonNode configNode = root.get("config");
    if (configNode == null) {
      throw invalid(what, "it has no config descriptor");
    }
    Descriptor config = descriptor(configNode, what + " config");
    List<Descriptor> layers = descriptors(root, "layers", what);
    if (artifactType == null
        && !MediaTypes.OCI_CONFIG.equals(config.mediaType())
        && !MediaTypes.DOCKER_CONFIG.equals(config.mediaType())
        && !MediaTypes.OCI_EMPTY.equals(config.mediaType())) {
      // OCI 1.1: an artifact without artifactType is typed by its config media type.
      artifactType = config.mediaType();
    }
    return new Manifest(bytes, digest, mediaType, config, layers, List.of(), subject, artifactType);
  }

  private static String inferMediaType(JsonNode root, String what) {
    if (root.has("manifests") && !root.has("config")) {
      return MediaTypes.OCI_INDEX;
    }
    if (root.has("config") && root.has("layers")) {
      return MediaTypes.OCI_MANIFEST;
    }
    throw invalid(what, "it has no mediaType and is neither an index nor an image manifest");
  }

  private static List<Descriptor> descriptors(JsonNode root, String field, String what) {
    JsonNode arr = root.get(field);
    if (arr == null || !arr.isArray()) {
      throw invalid(what, "'" + field + "' must be an array");
    }
    if (arr.size() > MAX_DESCRIPTORS) {
      throw invalid(
          what, "'" + field + "' lists " + arr.size() + " entries, over " + MAX_DESCRIPTORS);
    }
    List<Descriptor> out = new ArrayList<>(arr.size());
    for (int i = 0; i < arr.size(); i++) {
      out.add(descriptor(arr.get(i), what + " " + field + "[" + i + "]"));
    }
    return out;
  }

  /**
   * Reads one descriptor object.
   *
   * @param node the JSON node
   * @param what a description for messages
   * @return the descriptor
   */
  static Descriptor descriptor(JsonNode node, String what) {
    if (node == null || !node.isObject()) {
      throw invalid(what, "a descriptor must be a JSON object");
    }
    String mediaType = optionalText(node, "mediaType", what);
    if (mediaType == null || mediaType.isEmpty()) {
      throw invalid(what, "the descriptor has no mediaType");
    }
    String digestText = optionalText(node, "digest", what);
    Digest digest;
    try {
      digest = Digest.parse(digestText);
    } catch (ProtocolException e) {
      throw invalid(what, e.getMessage());
    }
    JsonNode sizeNode = node.get("size");
    if (sizeNode == null
        || !sizeNode.isIntegralNumber()
        || !sizeNode.canConvertToLong()
        || sizeNode.longValue() < 0
        || sizeNode.longValue() > (1L << 53)) {
      throw invalid(what, "the descriptor's size must be a non-negative integer");
    }
    Platform platform = null;
    JsonNode p = node.get("platform");
    if (p != null) {
      if (!p.isObject()) {
        throw invalid(what, "platform must be an object");
      }
      String os = optionalText(p, "os", what);
      String arch = optionalText(p, "architecture", what);
      if (os == null || arch == null || os.isEmpty() || arch.isEmpty()) {
        throw invalid(what, "platform needs os and architecture");
      }
      platform = new Platform(os, arch, optionalText(p, "variant", what));
    }
    Map<String, String> annotations = new LinkedHashMap<>();
    JsonNode a = node.get("annotations");
    if (a != null) {
      if (!a.isObject()) {
        throw invalid(what, "annotations must be an object of strings");
      }
      for (Map.Entry<String, JsonNode> e : a.properties()) {
        if (!e.getValue().isTextual()) {
          throw invalid(what, "annotation '" + e.getKey() + "' is not a string");
        }
        annotations.put(e.getKey(), e.getValue().textValue());
      }
    }
    return new Descriptor(
        mediaType,
        digest,
        sizeNode.longValue(),
        platform,
        optionalText(node, "artifactType", what),
        annotations);
  }

  private static String optionalText(JsonNode node, String field, String what) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw invalid(what, "'" + field + "' must be a string");
    }
    return v.textValue();
  }

  private static ProtocolException invalid(String what, String why) {
    return new ProtocolException(
        ProtocolException.Code.MANIFEST_INVALID, "Tried to read " + what + " but " + why);
  }
}
