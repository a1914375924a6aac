package io.gapsync.protocol.trust;

/**
 * A producer key the offline site trusts.
 *
 * @param key the public key
 * @param name a human name for messages (e.g. "depot-1 2026"), may be empty
 */
public record TrustedKey(VerifyingKey key, String name) {

  /** Validates the fields. */
  public TrustedKey {
    if (key == null) {
      throw new TrustException(TrustException.Reason.KEY_INVALID, "A trusted key needs a key");
    }
    name = name == null ? "" : name;
  }

  /** Returns the key id. */
  public KeyId keyId() {
    return key.keyId();
  }
}
