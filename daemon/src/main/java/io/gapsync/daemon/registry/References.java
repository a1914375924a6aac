package io.gapsync.daemon.registry;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.ProtocolException;
import io.gapsync.protocol.Reference;
import java.util.regex.Pattern;

/** Validates the reference part of a route: a tag or a digest (distribution spec grammar). */
final class References {

  private static final Pattern TAG = Pattern.compile(Reference.TAG_GRAMMAR);

  private References() {}

  /** Returns true if the reference looks like a digest ({@code algorithm:hex}). */
  static boolean isDigest(String ref) {
    return ref.indexOf(':') > 0;
  }

  /**
   * Parses a digest given by a client.
   *
   * @throws RegistryException DIGEST_INVALID naming what was being done
   */
  static Digest digest(String value, String what) {
    try {
      return Digest.parse(value);
    } catch (ProtocolException e) {
      throw new RegistryException(
          ErrorCode.DIGEST_INVALID,
          "Tried to " + what + " but failed because the digest is invalid: " + e.getMessage());
    }
  }

  /** Returns true if the reference matches the tag grammar (at most 128 characters). */
  static boolean isTag(String value) {
    return value.length() <= 128 && TAG.matcher(value).matches();
  }

  /**
   * Checks a tag.
   *
   * @throws RegistryException with the code given (MANIFEST_INVALID for manifest routes)
   */
  static String tag(String value, ErrorCode code) {
    if (!isTag(value)) {
      throw new RegistryException(
          code,
          "Tried to use tag '"
              + (value.length() > 130 ? value.substring(0, 130) + "..." : value)
              + "' but failed because it does not match "
              + Reference.TAG_GRAMMAR);
    }
    return value;
  }
}
