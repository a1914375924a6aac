package io.gapsync.protocol;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The digest algorithms OCI image-spec v1.1 registers: {@code sha256} (the default and the only one
 * gapsync produces) and {@code sha512} (accepted when reading).
 */
public enum DigestAlgorithm {
  /** SHA-256, 64 lowercase hex characters. */
  SHA256("sha256", "SHA-256", 64),
  /** SHA-512, 128 lowercase hex characters. */
  SHA512("sha512", "SHA-512", 128);

  private final String id;
  private final String jcaName;
  private final int hexLength;

  DigestAlgorithm(String id, String jcaName, int hexLength) {
    this.id = id;
    this.jcaName = jcaName;
    this.hexLength = hexLength;
  }

  /** Returns the algorithm identifier as it appears in a digest string ({@code sha256}). */
  public String id() {
    return id;
  }

  /** Returns the number of hex characters of an encoded digest. */
  public int hexLength() {
    return hexLength;
  }

  /** Returns a fresh {@link MessageDigest} for this algorithm. */
  public MessageDigest newMessageDigest() {
    try {
      return MessageDigest.getInstance(jcaName);
    } catch (NoSuchAlgorithmException e) {
      // Every Java SE platform must provide SHA-256 and SHA-512.
      throw new IllegalStateException("JDK lacks " + jcaName, e);
    }
  }

  /**
   * Looks an algorithm up by its identifier.
   *
   * @param id the identifier, e.g. {@code sha256}
   * @return the algorithm
   * @throws ProtocolException with {@code DIGEST_INVALID} if unknown
   */
  public static DigestAlgorithm fromId(String id) {
    for (DigestAlgorithm a : values()) {
      if (a.id.equals(id)) {
        return a;
      }
    }
    throw new ProtocolException(
        ProtocolException.Code.DIGEST_INVALID,
        "Unsupported digest algorithm '" + id + "': gapsync accepts sha256 and sha512");
  }
}
