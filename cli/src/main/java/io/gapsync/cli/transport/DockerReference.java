package io.gapsync.cli.transport;

import java.util.regex.Pattern;

/**
 * A tagged Docker image name, normalized the way docker and skopeo do ({@code busybox} is {@code
 * docker.io/library/busybox:latest}), so that the {@code repo:tag} of {@code
 * docker-archive:FILE:repo:tag} matches the RepoTags of archives written by either tool. Only the
 * grammar docker-archive needs: a digest is refused.
 *
 * @param domain the registry domain, e.g. {@code docker.io}
 * @param path the repository path, e.g. {@code library/busybox}
 * @param tag the tag, e.g. {@code latest}
 */
record DockerReference(String domain, String path, String tag) {

  private static final Pattern DOMAIN =
      Pattern.compile(
          "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
              + "(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?");
  private static final Pattern PATH_COMPONENT =
      Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");

  /** Validates the fields. */
  DockerReference {
    if (domain == null || !DOMAIN.matcher(domain).matches()) {
      throw new IllegalArgumentException("invalid registry domain '" + domain + "'");
    }
    if (path == null || path.isEmpty()) {
      throw new IllegalArgumentException("empty repository path");
    }
    for (String c : path.split("/", -1)) {
      if (!PATH_COMPONENT.matcher(c).matches()) {
        throw new IllegalArgumentException(
            "invalid repository path component '" + c + "' (lowercase letters, digits, . _ -)");
      }
    }
    if (tag == null || !TAG.matcher(tag).matches()) {
      throw new IllegalArgumentException("invalid tag '" + tag + "'");
    }
  }

  /**
   * Parses and normalizes {@code [domain/]path[:tag]}; a missing tag is {@code latest}.
   *
   * @param value the string, e.g. {@code repo/x:t}
   * @return the normalized reference
   * @throws IllegalArgumentException if malformed or if it carries a digest
   */
  static DockerReference parse(String value) {
    if (value == null || value.isEmpty() || value.length() > 512) {
      throw new IllegalArgumentException("empty or overlong image name");
    }
    if (value.indexOf('@') >= 0) {
      throw new IllegalArgumentException("docker-archive references cannot carry a digest");
    }
    String name = value;
    String tag = "latest";
    int colon = value.lastIndexOf(':');
    if (colon > value.lastIndexOf('/')) {
      name = value.substring(0, colon);
      tag = value.substring(colon + 1);
    }
    String domain = "docker.io";
    String path = name;
    int slash = name.indexOf('/');
    if (slash > 0) {
      String first = name.substring(0, slash);
      if (first.contains(".")
          || first.contains(":")
          || first.equals("localhost")
          || !first.equals(first.toLowerCase(java.util.Locale.ROOT))) {
        domain = first;
        path = name.substring(slash + 1);
      }
    }
    if (domain.equals("index.docker.io")) {
      domain = "docker.io";
    }
    if (domain.equals("docker.io") && path.indexOf('/') < 0) {
      path = "library/" + path;
    }
    return new DockerReference(domain, path, tag);
  }

  @Override
  public String toString() {
    return domain + "/" + path + ":" + tag;
  }
}
