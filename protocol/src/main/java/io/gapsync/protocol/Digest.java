package io.gapsync.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * A content digest in its canonical OCI form, {@code algorithm:hex}, e.g. {@code sha256:e3b0...}.
 *
 * <p>Validated once, at creation: only the registered algorithms, only lowercase hex of the exact
 * length. {@link #toString()} is the wire form. Comparable so that sorted listings (inventories)
 * are deterministic.
 *
 * @param algorithm the algorithm
 * @param hex the lowercase hex encoding
 */
public record Digest(DigestAlgorithm algorithm, String hex) implements Comparable<Digest> {

  private static final HexFormat HEX = HexFormat.of();

  /** Validates the fields. */
  public Digest {
    if (algorithm == null || hex == null) {
      throw new ProtocolException(
          ProtocolException.Code.DIGEST_INVALID, "Digest parts must not be null");
    }
    if (hex.length() != algorithm.hexLength() || !isLowerHex(hex)) {
      throw new ProtocolException(
          ProtocolException.Code.DIGEST_INVALID,
          "Invalid "
              + algorithm.id()
              + " digest '"
              + abbreviate(hex)
              + "': expected "
              + algorithm.hexLength()
              + " lowercase hex characters");
    }
  }

  /**
   * Parses a digest string such as {@code sha256:abc...}.
   *
   * @param value the string
   * @return the digest
   * @throws ProtocolException with {@code DIGEST_INVALID} if the string is not a valid digest
   */
  public static Digest parse(String value) {
    if (value == null) {
      throw new ProtocolException(ProtocolException.Code.DIGEST_INVALID, "Digest is missing");
    }
    int colon = value.indexOf(':');
    if (colon <= 0 || value.length() > 200) {
      throw new ProtocolException(
          ProtocolException.Code.DIGEST_INVALID,
          "Invalid digest '"
              + abbreviate(value)
              + "': expected algorithm:hex, e.g. sha256:<64 hex>");
    }
    return new Digest(
        DigestAlgorithm.fromId(value.substring(0, colon)), value.substring(colon + 1));
  }

  /** Returns true if the string is a valid digest. */
  public static boolean isValid(String value) {
    try {
      parse(value);
      return true;
    } catch (ProtocolException e) {
      return false;
    }
  }

  /** Computes the sha256 digest of a byte array (manifests, configs: small documents only). */
  public static Digest sha256Of(byte[] content) {
    MessageDigest md = DigestAlgorithm.SHA256.newMessageDigest();
    return fromRaw(DigestAlgorithm.SHA256, md.digest(content));
  }

  /** Computes the sha256 digest of a string's UTF-8 bytes. */
  public static Digest sha256Of(String content) {
    return sha256Of(content.getBytes(StandardCharsets.UTF_8));
  }

  /** Builds a digest from the raw output of a {@link MessageDigest}. */
  public static Digest fromRaw(DigestAlgorithm algorithm, byte[] raw) {
    return new Digest(algorithm, HEX.formatHex(raw));
  }

  /** Returns the raw digest bytes (32 for sha256). */
  public byte[] raw() {
    return HEX.parseHex(hex);
  }

  /** Returns the first 12 hex characters, for short display. */
  public String shortHex() {
    return hex.substring(0, 12);
  }

  @Override
  public String toString() {
    return algorithm.id() + ":" + hex;
  }

  /**
   * Orders digests as their canonical strings sort. Same-algorithm digests (the common case, and
   * all of an inventory's sorting) compare their hex without building the strings.
   */
  @Override
  public int compareTo(Digest other) {
    if (algorithm == other.algorithm) {
      return hex.compareTo(other.hex);
    }
    return toString().compareTo(other.toString());
  }

  private static boolean isLowerHex(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
