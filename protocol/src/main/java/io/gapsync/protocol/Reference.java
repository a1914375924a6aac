package io.gapsync.protocol;

import java.util.regex.Pattern;

/**
 * An image reference as users type it: {@code REPO:TAG}, {@code REPO@DIGEST} or {@code
 * REPO:TAG@DIGEST}, validated against the OCI distribution-spec grammar.
 *
 * <p>gapsync repositories are local names, so unlike a docker reference there is no registry host
 * and no port: a {@code :} can only introduce the tag. When both a tag and a digest are given, the
 * digest identifies the content and the tag is informational, as in docker and skopeo. {@link
 * #toString()} is the canonical form.
 *
 * @param repository the repository name, e.g. {@code library/nginx}
 * @param tag the tag, or null
 * @param digest the manifest digest, or null; at least one of tag and digest is present
 */
public record Reference(String repository, String tag, Digest digest) {

  /** Most characters a repository name may have (distribution spec: clients limit names to 255). */
  public static final int MAX_REPOSITORY_LENGTH = 255;

  /** The repository grammar of the OCI distribution spec, as given there. */
  public static final String REPOSITORY_GRAMMAR =
      "[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*";

  /** The tag grammar of the OCI distribution spec. */
  public static final String TAG_GRAMMAR = "[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}";

  private static final Pattern REPOSITORY = Pattern.compile(REPOSITORY_GRAMMAR);
  private static final Pattern TAG = Pattern.compile(TAG_GRAMMAR);

  /** Longer inputs are rejected before any pattern runs: name, tag, digest and separators. */
  private static final int MAX_INPUT_LENGTH = MAX_REPOSITORY_LENGTH + 1 + 128 + 1 + 200;

  /** Validates the fields. */
  public Reference {
    String input = render(repository, tag, digest);
    if (repository == null) {
      throw invalid(input, "it has no repository");
    }
    checkRepository(repository, input);
    if (tag != null && !isTag(tag)) {
      throw invalid(input, "the tag '" + abbreviate(tag) + "' does not match " + TAG_GRAMMAR);
    }
    if (tag == null && digest == null) {
      throw invalid(input, "it has neither a tag nor a digest: write REPO:TAG or REPO@DIGEST");
    }
  }

  /**
   * Parses {@code REPO:TAG}, {@code REPO@DIGEST} or {@code REPO:TAG@DIGEST}.
   *
   * <p>The tag is whatever follows the last {@code :} after the last {@code /}, so a {@code :}
   * anywhere in the repository part (such as a registry port) is rejected by the name grammar.
   *
   * @param value the reference as typed
   * @return the reference
   * @throws ProtocolException with {@code REFERENCE_INVALID} if the input does not follow the
   *     grammar or names neither a tag nor a digest
   */
  public static Reference parse(String value) {
    if (value == null || value.isEmpty()) {
      throw invalid(String.valueOf(value), "it is empty");
    }
    if (value.length() > MAX_INPUT_LENGTH) {
      throw invalid(
          value, "it is " + value.length() + " characters long, over " + MAX_INPUT_LENGTH);
    }
    String name = value;
    Digest digest = null;
    int at = value.indexOf('@');
    if (at >= 0) {
      name = value.substring(0, at);
      try {
        digest = Digest.parse(value.substring(at + 1));
      } catch (ProtocolException e) {
        throw invalid(value, e.getMessage());
      }
    }
    String tag = null;
    int colon = name.lastIndexOf(':');
    if (colon > name.lastIndexOf('/')) {
      tag = name.substring(colon + 1);
      name = name.substring(0, colon);
      if (tag.isEmpty()) {
        throw invalid(value, "the tag after ':' is empty");
      }
    }
    if (tag == null && digest == null) {
      checkRepository(name, value);
      throw invalid(value, "it has neither a tag nor a digest: write REPO:TAG or REPO@DIGEST");
    }
    return new Reference(name, tag, digest);
  }

  /**
   * Validates a bare repository name, such as the argument of a command that lists tags.
   *
   * @param value the repository name
   * @return the same name
   * @throws ProtocolException with {@code REFERENCE_INVALID} if it does not follow the grammar
   */
  public static String parseRepository(String value) {
    if (value == null || value.isEmpty()) {
      throw invalid(String.valueOf(value), "the repository name is empty");
    }
    checkRepository(value, value);
    return value;
  }

  /** Returns true if the string is a valid repository name. */
  static boolean isRepository(String value) {
    return value != null
        && !value.isEmpty()
        && value.length() <= MAX_REPOSITORY_LENGTH
        && REPOSITORY.matcher(value).matches();
  }

  /** Returns true if the string is a valid tag. */
  static boolean isTag(String value) {
    return value != null && value.length() <= 128 && TAG.matcher(value).matches();
  }

  @Override
  public String toString() {
    return render(repository, tag, digest);
  }

  private static void checkRepository(String name, String input) {
    if (name.length() > MAX_REPOSITORY_LENGTH) {
      throw invalid(
          input,
          "the repository name is "
              + name.length()
              + " characters long, over "
              + MAX_REPOSITORY_LENGTH);
    }
    if (isRepository(name)) {
      return;
    }
    String hint =
        name.indexOf(':') >= 0
            ? ": gapsync repositories are local names without a registry host or port"
            : ": use lowercase letters and digits, separated by '.', '_', '__' or dashes, with '/'"
                + " between path components";
    throw invalid(
        input,
        "the repository '" + abbreviate(name) + "' does not match " + REPOSITORY_GRAMMAR + hint);
  }

  private static String render(String repository, String tag, Digest digest) {
    return repository + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
  }

  private static ProtocolException invalid(String input, String why) {
    return new ProtocolException(
        ProtocolException.Code.REFERENCE_INVALID,
        "Tried to parse image reference '" + abbreviate(input) + "' but failed because " + why);
  }

  private static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }
}
