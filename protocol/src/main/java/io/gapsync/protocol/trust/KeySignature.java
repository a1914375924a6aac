package io.gapsync.protocol.trust;

import java.util.Arrays;
import java.util.Base64;

/**
 * One signature over a statement's exact bytes, and the key that claims to have made it. Archives
 * carry a list of them: several keys (a threshold) or an old and a new key (rotation) need no
 * format change.
 *
 * @param keyId the key that signed
 * @param signature the 64-byte Ed25519 signature
 */
public record KeySignature(KeyId keyId, byte[] signature) {

  /** Length of an Ed25519 signature in bytes. */
  public static final int LENGTH = 64;

  /** Validates and copies the fields. */
  public KeySignature {
    if (keyId == null || signature == null || signature.length != LENGTH) {
      throw new TrustException(
          TrustException.Reason.SIGNATURE_INVALID,
          "Invalid signature by "
              + keyId
              + ": expected "
              + LENGTH
              + " bytes, got "
              + (signature == null ? "none" : signature.length));
    }
    signature = signature.clone();
  }

  /** Returns a copy of the signature bytes. */
  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /** Returns the signature in base64 (RFC 4648, with padding), its wire form. */
  public String base64() {
    return Base64.getEncoder().encodeToString(signature);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeySignature k
        && k.keyId.equals(keyId)
        && Arrays.equals(k.signature, signature);
  }

  @Override
  public int hashCode() {
    return keyId.hashCode() * 31 + Arrays.hashCode(signature);
  }

  @Override
  public String toString() {
    return "KeySignature[" + keyId + "]";
  }
}
