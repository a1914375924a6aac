package io.gapsync.protocol.trust;

import io.gapsync.protocol.Digest;
import java.util.regex.Pattern;

/**
 * The name of a public key: {@code ed25519:} and the first 32 hex characters of the sha256 of the
 * raw 32-byte public key. Derived, never chosen, so a trust file cannot name a key with another
 * key's id. {@link #toString()} is the wire form.
 *
 * @param value the wire form, e.g. {@code ed25519:3f1c...}
 */
public record KeyId(String value) implements Comparable<KeyId> {

  /** The grammar of a key id. */
  private static final Pattern GRAMMAR = Pattern.compile("ed25519:[0-9a-f]{32}");

  /** Validates the value. */
  public KeyId {
    if (value == null || !GRAMMAR.matcher(value).matches()) {
      throw new TrustException(
          TrustException.Reason.KEY_INVALID,
          "Invalid key id '"
              + (value != null && value.length() > 80 ? value.substring(0, 80) + "..." : value)
              + "': expected ed25519: and 32 lowercase hex characters");
    }
  }

  /** Parses a key id. */
  public static KeyId parse(String value) {
    return new KeyId(value);
  }

  /** Derives the key id of a raw Ed25519 public key. */
  static KeyId of(byte[] rawPublicKey) {
    return new KeyId("ed25519:" + Digest.sha256Of(rawPublicKey).hex().substring(0, 32));
  }

  @Override
  public int compareTo(KeyId o) {
    return value.compareTo(o.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
