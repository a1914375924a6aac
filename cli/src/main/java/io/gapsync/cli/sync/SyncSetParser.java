package io.gapsync.cli.sync;

import io.gapsync.cli.registry.RegistryOptions;
import io.gapsync.cli.registry.RegistryRef;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Platform;
import io.gapsync.protocol.Reference;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads and validates a sync set file (docs/SYNC.md). Every problem is reported as a {@link
 * SyncSetException} naming file, line and field; unknown fields are errors (a typo such as {@code
 * platfroms} must not silently mirror every platform).
 */
public final class SyncSetParser {

  private static final Set<String> ROOT_FIELDS = Set.of("apiVersion", "kind", "metadata", "spec");
  private static final Set<String> SPEC_FIELDS =
      Set.of("platforms", "referrers", "registries", "images", "charts", "files");
  private static final Set<String> IMAGE_FIELDS =
      Set.of("ref", "tags", "platforms", "referrers", "as");
  private static final Set<String> TAG_FIELDS = Set.of("regex", "semver", "newest");
  private static final Set<String> FILE_FIELDS =
      Set.of("url", "path", "sha256", "as", "artifactType");
  private static final Set<String> REGISTRY_FIELDS = Set.of("prefix", "mirror");
  private static final Pattern MEDIA_TYPE =
      Pattern.compile(
          "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}");

  private final String file;
  private final Path baseDir;

  private SyncSetParser(String file, Path baseDir) {
    this.file = file;
    this.baseDir = baseDir;
  }

  /**
   * Reads a sync set file. Relative {@code path:} entries are resolved against its folder.
   *
   * @param path the file
   * @return the sync set
   * @throws SyncSetException if it is malformed
   * @throws IOException if it cannot be read
   */
  public static SyncSet read(Path path) throws IOException {
    if (Files.size(path) > YamlNode.MAX_FILE_BYTES) {
      throw new SyncSetException(
          path.toString(), 0, "", "is over " + YamlNode.MAX_FILE_BYTES + " bytes");
    }
    Path dir = path.toAbsolutePath().getParent();
    return parse(Files.readAllBytes(path), path.toString(), dir);
  }

  /**
   * Parses a sync set document.
   *
   * @param yaml the bytes
   * @param file the name for messages
   * @param baseDir the folder relative {@code path:} entries are resolved against
   * @return the sync set
   * @throws SyncSetException if it is malformed
   */
  public static SyncSet parse(byte[] yaml, String file, Path baseDir) {
    return new SyncSetParser(file, baseDir).parseRoot(YamlNode.parse(yaml, file));
  }

  private SyncSet parseRoot(YamlNode root) {
    Map<String, YamlNode> m = map(root, ROOT_FIELDS);
    String api = requiredText(root, m, "apiVersion");
    if (!api.equals(SyncSet.API_VERSION)) {
      throw fail(
          m.get("apiVersion"), "is '" + api + "': this gapsync reads " + SyncSet.API_VERSION);
    }
    String kind = requiredText(root, m, "kind");
    if (!kind.equals(SyncSet.KIND)) {
      throw fail(m.get("kind"), "is '" + kind + "': expected " + SyncSet.KIND);
    }
    String name = null;
    if (m.get("metadata") != null) {
      YamlNode meta = m.get("metadata");
      if (!meta.isMap()) {
        throw fail(meta, "must be a mapping (name, labels, ...)");
      }
      YamlNode n = meta.map().get("name");
      name = n == null ? null : text(n);
    }
    YamlNode specNode = m.get("spec");
    if (specNode == null) {
      throw fail(root, "has no spec: expected spec.images, spec.charts or spec.files");
    }
    Map<String, YamlNode> spec = map(specNode, SPEC_FIELDS);
    List<Platform> defaultPlatforms =
        spec.get("platforms") == null ? List.of() : platforms(spec.get("platforms"));
    boolean defaultReferrers = spec.get("referrers") != null && bool(spec.get("referrers"));
    List<RegistryOptions.Rewrite> rewrites = new ArrayList<>();
    for (YamlNode r : list(spec.get("registries"))) {
      Map<String, YamlNode> rm = map(r, REGISTRY_FIELDS);
      String prefix = requiredText(r, rm, "prefix");
      String mirror = requiredText(r, rm, "mirror");
      for (String[] pair : new String[][] {{"prefix", prefix}, {"mirror", mirror}}) {
        try {
          RegistryRef.parse(RegistryRef.PREFIX + pair[1] + "/x");
        } catch (IllegalArgumentException e) {
          throw fail(rm.get(pair[0]), "is not HOST[:PORT][/PATH]: " + e.getMessage());
        }
      }
      rewrites.add(new RegistryOptions.Rewrite(stripScheme(prefix), stripScheme(mirror)));
    }
    List<SyncSet.ImageEntry> images = new ArrayList<>();
    for (YamlNode n : list(spec.get("images"))) {
      images.add(image(n, defaultPlatforms, defaultReferrers, false));
    }
    for (YamlNode n : list(spec.get("charts"))) {
      images.add(image(n, List.of(), defaultReferrers, true));
    }
    List<SyncSet.FileEntry> files = new ArrayList<>();
    for (YamlNode n : list(spec.get("files"))) {
      files.add(file(n));
    }
    if (images.isEmpty() && files.isEmpty()) {
      throw fail(specNode, "lists nothing: add spec.images, spec.charts or spec.files");
    }
    return new SyncSet(name, images, files, rewrites);
  }

  private SyncSet.ImageEntry image(
      YamlNode n, List<Platform> defaultPlatforms, boolean defaultReferrers, boolean chart) {
    Map<String, YamlNode> m = map(n, IMAGE_FIELDS);
    YamlNode refNode = m.get("ref");
    String refText = requiredText(n, m, "ref");
    if (refText.startsWith("oci://")) {
      refText = RegistryRef.PREFIX + refText.substring("oci://".length());
    }
    if (!RegistryRef.isRegistry(refText)) {
      throw fail(
          refNode,
          "is '"
              + refText
              + "': expected docker://HOST/PATH[:TAG|@DIGEST]"
              + (chart ? " or oci://HOST/PATH" : ""));
    }
    RegistryRef ref;
    try {
      ref = RegistryRef.parse(refText);
    } catch (IllegalArgumentException e) {
      throw fail(refNode, "is not usable: " + e.getMessage());
    }
    boolean pinned = ref.tag() != null || ref.digest() != null;
    TagFilter tags = TagFilter.ALL;
    if (m.get("tags") != null) {
      if (pinned) {
        throw fail(
            m.get("tags"),
            "cannot be used with a ref that names a tag or digest: drop one of them");
      }
      tags = tagFilter(m.get("tags"));
    } else if (!pinned) {
      throw fail(
          refNode,
          "names a whole repository: give a tag or digest in the ref, or select tags with "
              + "tags: {regex: ..., semver: ..., newest: N} (regex: '.*' takes every tag)");
    }
    List<Platform> platforms =
        m.get("platforms") == null ? defaultPlatforms : platforms(m.get("platforms"));
    boolean referrers = m.get("referrers") == null ? defaultReferrers : bool(m.get("referrers"));
    String repo = ref.path();
    String tag = null;
    YamlNode as = m.get("as");
    if (as != null) {
      String a = text(as);
      try {
        if (a.contains(":") || a.contains("@")) {
          Reference r = Reference.parse(a);
          if (r.tag() == null || r.digest() != null) {
            throw fail(as, "must be REPO or REPO:TAG, got '" + a + "'");
          }
          if (!pinned) {
            throw fail(as, "can give a tag only for a ref with one tag or digest; use REPO here");
          }
          repo = r.repository();
          tag = r.tag();
        } else {
          repo = Reference.parseRepository(a);
        }
      } catch (io.gapsync.protocol.ProtocolException e) {
        throw fail(as, "is not a store repository: " + e.getMessage());
      }
    }
    if (ref.tag() == null && ref.digest() != null && tag == null) {
      throw fail(refNode, "has a digest but no tag: add as: REPO:TAG to name it in the store");
    }
    return new SyncSet.ImageEntry(ref, tags, platforms, referrers, repo, tag, chart, n.line());
  }

  private TagFilter tagFilter(YamlNode n) {
    Map<String, YamlNode> m = map(n, TAG_FIELDS);
    Pattern regex = null;
    if (m.get("regex") != null) {
      try {
        regex = Pattern.compile(text(m.get("regex")));
      } catch (PatternSyntaxException e) {
        throw fail(m.get("regex"), "is not a valid regular expression: " + e.getDescription());
      }
    }
    SemVer.Range range = null;
    if (m.get("semver") != null) {
      try {
        range = SemVer.Range.parse(text(m.get("semver")));
      } catch (IllegalArgumentException e) {
        throw fail(m.get("semver"), e.getMessage());
      }
    }
    int newest = 0;
    if (m.get("newest") != null) {
      String t = text(m.get("newest"));
      if (!t.matches("[0-9]{1,5}")
          || Integer.parseInt(t) < 1
          || Integer.parseInt(t) > TagFilter.NEWEST_MAX) {
        throw fail(
            m.get("newest"),
            "must be a whole number from 1 to " + TagFilter.NEWEST_MAX + ", got '" + t + "'");
      }
      newest = Integer.parseInt(t);
    }
    if (regex == null && range == null && newest == 0) {
      throw fail(n, "selects nothing: give regex, semver or newest");
    }
    return new TagFilter(regex, range, newest);
  }

  private SyncSet.FileEntry file(YamlNode n) {
    Map<String, YamlNode> m = map(n, FILE_FIELDS);
    YamlNode urlNode = m.get("url");
    YamlNode pathNode = m.get("path");
    if ((urlNode == null) == (pathNode == null)) {
      throw fail(n, "must have exactly one of url and path");
    }
    URI url = null;
    Path path = null;
    String baseName;
    if (urlNode != null) {
      String u = text(urlNode);
      try {
        url = URI.create(u);
      } catch (IllegalArgumentException e) {
        throw fail(urlNode, "is not a URL: " + e.getMessage());
      }
      String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
        throw fail(urlNode, "must be an http:// or https:// URL, got '" + u + "'");
      }
      String p = url.getPath() == null ? "" : url.getPath();
      baseName = p.substring(p.lastIndexOf('/') + 1);
    } else {
      path = baseDir.resolve(text(pathNode)).normalize();
      baseName = path.getFileName() == null ? "" : path.getFileName().toString();
    }
    if (baseName.isEmpty()) {
      baseName = "file";
    }
    Digest sha = null;
    if (m.get("sha256") != null) {
      String s = text(m.get("sha256"));
      String full = s.startsWith("sha256:") ? s : "sha256:" + s;
      if (!Digest.isValid(full)) {
        throw fail(
            m.get("sha256"),
            "must be 64 lowercase hex digits (optionally sha256:...), got '" + s + "'");
      }
      sha = Digest.parse(full);
    }
    Reference target;
    if (m.get("as") != null) {
      try {
        target = Reference.parse(text(m.get("as")));
      } catch (io.gapsync.protocol.ProtocolException e) {
        throw fail(m.get("as"), "must be REPO:TAG: " + e.getMessage());
      }
      if (target.tag() == null || target.digest() != null) {
        throw fail(m.get("as"), "must be REPO:TAG");
      }
    } else {
      String name =
          baseName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
      target = Reference.parse("file/" + (name.isEmpty() ? "file" : name) + ":latest");
    }
    String type = null;
    if (m.get("artifactType") != null) {
      type = text(m.get("artifactType"));
      if (!MEDIA_TYPE.matcher(type).matches()) {
        throw fail(m.get("artifactType"), "is not a media type (type/subtype), got '" + type + "'");
      }
    }
    return new SyncSet.FileEntry(url, path, sha, target, type, n.line());
  }

  private List<Platform> platforms(YamlNode n) {
    if (n.isScalar() && n.text().equals("all")) {
      return List.of();
    }
    List<Platform> out = new ArrayList<>();
    for (YamlNode p : list(n)) {
      String t = text(p);
      if (t.equals("all")) {
        if (list(n).size() > 1) {
          throw fail(p, "is 'all' next to other platforms: use either all or a list");
        }
        return List.of();
      }
      try {
        out.add(Platform.parse(t));
      } catch (IllegalArgumentException e) {
        throw fail(p, e.getMessage().replace("Invalid platform", "is the invalid platform"));
      }
    }
    if (out.isEmpty()) {
      throw fail(n, "is empty: list platforms such as linux/amd64, or write all");
    }
    return out;
  }

  private static String stripScheme(String s) {
    return s.replaceFirst("^(docker|oci)://", "").replaceAll("/+$", "");
  }

  // ---------------------------------------------------------------- typed access

  private Map<String, YamlNode> map(YamlNode n, Set<String> allowed) {
    if (!n.isMap()) {
      throw fail(
          n, "must be a mapping with " + String.join(", ", new java.util.TreeSet<>(allowed)));
    }
    for (Map.Entry<String, YamlNode> e : n.map().entrySet()) {
      if (!allowed.contains(e.getKey())) {
        throw fail(
            e.getValue(),
            "is not a known field: expected one of "
                + String.join(", ", new java.util.TreeSet<>(allowed)));
      }
    }
    return n.map();
  }

  private List<YamlNode> list(YamlNode n) {
    if (n == null || n.value() == null) {
      return List.of();
    }
    if (!n.isList()) {
      throw fail(n, "must be a list (items starting with '- ')");
    }
    return n.list();
  }

  private String requiredText(YamlNode parent, Map<String, YamlNode> m, String field) {
    YamlNode n = m.get(field);
    if (n == null || n.value() == null) {
      String path = parent.path().isEmpty() ? field : parent.path() + "." + field;
      throw new SyncSetException(file, parent.line(), path, "is missing");
    }
    return text(n);
  }

  private String text(YamlNode n) {
    if (!n.isScalar()) {
      throw fail(
          n,
          "must be a single value, not a "
              + (n.isList() ? "list" : n.isMap() ? "mapping" : "null"));
    }
    return n.text();
  }

  private boolean bool(YamlNode n) {
    String t = text(n);
    if (t.equals("true")) {
      return true;
    }
    if (t.equals("false")) {
      return false;
    }
    throw fail(n, "must be true or false, got '" + t + "'");
  }

  private SyncSetException fail(YamlNode n, String problem) {
    return new SyncSetException(file, n.line(), n.path(), problem);
  }
}
