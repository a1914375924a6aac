package io.gapsync.cli.registry;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Reference;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An image in a registry, {@code docker://[HOST[:PORT]/]PATH[:TAG][@DIGEST]}, normalized as docker
 * and skopeo do: no host means {@code docker.io}, and a one-component path there gets {@code
 * library/}. Without tag or digest the reference names the whole repository (a sync set then picks
 * tags with filters; {@code add} uses {@code latest}). {@link #toString()} is the canonical form.
 *
 * @param host the registry host and optional port, e.g. {@code 127.0.0.1:5000} or {@code docker.io}
 * @param path the repository path, e.g. {@code library/busybox}
 * @param tag the tag, or null
 * @param digest the manifest digest, or null
 */
public record RegistryRef(String host, String path, String tag, Digest digest) {

  /** The transport prefix. */
  public static final String PREFIX = "docker://";

  private static final Pattern HOST =
      Pattern.compile(
          "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
              + "(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]{1,5})?"
              + "|\\[[0-9a-fA-F:]+\\](?::[0-9]{1,5})?");
  private static final Pattern PATH = Pattern.compile(Reference.REPOSITORY_GRAMMAR);
  private static final Pattern TAG = Pattern.compile(Reference.TAG_GRAMMAR);

  /** Validates the fields. */
  public RegistryRef {
    String shown = render(host, path, tag, digest);
    if (host == null || !HOST.matcher(host).matches()) {
      throw new IllegalArgumentException(
          "Invalid reference '" + shown + "': bad registry host '" + host + "'");
    }
    if (path == null || path.length() > Reference.MAX_REPOSITORY_LENGTH) {
      throw new IllegalArgumentException(
          "Invalid reference '" + shown + "': missing or overlong repository path");
    }
    if (!PATH.matcher(path).matches()) {
      throw new IllegalArgumentException(
          "Invalid reference '"
              + shown
              + "': the repository path '"
              + path
              + "' must be lowercase letters, digits and . _ - separated by /");
    }
    if (tag != null && !TAG.matcher(tag).matches()) {
      throw new IllegalArgumentException(
          "Invalid reference '" + shown + "': the tag '" + tag + "' does not match " + TAG);
    }
  }

  /**
   * Returns true if the string uses this transport.
   *
   * @param value the user's string
   * @return true if it starts with {@code docker://}
   */
  public static boolean isRegistry(String value) {
    return value != null && value.startsWith(PREFIX);
  }

  /**
   * Parses {@code docker://[HOST[:PORT]/]PATH[:TAG][@DIGEST]}; the prefix is optional.
   *
   * @param value the string
   * @return the reference
   * @throws IllegalArgumentException with a one-line message if malformed
   */
  public static RegistryRef parse(String value) {
    if (value == null || value.isEmpty() || value.length() > 1024) {
      throw new IllegalArgumentException(
          "Invalid reference: empty or overlong; expected docker://HOST/PATH[:TAG][@DIGEST]");
    }
    String rest = value.startsWith(PREFIX) ? value.substring(PREFIX.length()) : value;
    Digest digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      try {
        digest = Digest.parse(rest.substring(at + 1));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "Invalid reference '" + value + "': bad digest (" + e.getMessage() + ")", e);
      }
      rest = rest.substring(0, at);
    }
    String host = "docker.io";
    int slash = rest.indexOf('/');
    if (slash > 0) {
      String first = rest.substring(0, slash);
      if (first.contains(".")
          || first.contains(":")
          || first.startsWith("[")
          || first.equals("localhost")
          || !first.equals(first.toLowerCase(Locale.ROOT))) {
        host = first;
        rest = rest.substring(slash + 1);
      }
    }
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon >= 0) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
    }
    if (host.equals("index.docker.io") || host.equals("registry-1.docker.io")) {
      host = "docker.io";
    }
    if (host.equals("docker.io") && rest.indexOf('/') < 0) {
      rest = "library/" + rest;
    }
    return new RegistryRef(host, rest, tag, digest);
  }

  /** Returns the host to talk to: {@code registry-1.docker.io} for {@code docker.io}. */
  public String apiHost() {
    return host.equals("docker.io") ? "registry-1.docker.io" : host;
  }

  /** Returns the same repository with another tag and no digest. */
  public RegistryRef withTag(String newTag) {
    return new RegistryRef(host, path, newTag, null);
  }

  /** Returns the same repository at a digest, keeping the tag for messages. */
  public RegistryRef withDigest(Digest d) {
    return new RegistryRef(host, path, tag, d);
  }

  /** Returns the manifest reference for the URL: the digest if any, else the tag, else latest. */
  String manifestReference() {
    return digest != null ? digest.toString() : tag != null ? tag : "latest";
  }

  /** Returns {@code HOST/PATH}, the form rewrite rules match. */
  public String repository() {
    return host + "/" + path;
  }

  @Override
  public String toString() {
    return render(host, path, tag, digest);
  }

  private static String render(String host, String path, String tag, Digest digest) {
    return PREFIX
        + host
        + "/"
        + path
        + (tag == null ? "" : ":" + tag)
        + (digest == null ? "" : "@" + digest);
  }
}
