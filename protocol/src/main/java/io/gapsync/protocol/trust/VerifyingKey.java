package io.gapsync.protocol.trust;

import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/** An Ed25519 public key: checks signatures. Immutable and thread-safe. */
public final class VerifyingKey {

  /** Length of a raw Ed25519 public key in bytes. */
  public static final int LENGTH = 32;

  private final byte[] raw;
  private final KeyId keyId;

  private VerifyingKey(byte[] raw) {
    this.raw = raw.clone();
    this.keyId = KeyId.of(this.raw);
  }

  /**
   * Creates a key from its raw 32 bytes.
   *
   * @throws TrustException KEY_INVALID if the bytes are not an Ed25519 public key
   */
  public static VerifyingKey fromRaw(byte[] raw) {
    if (raw == null || raw.length != LENGTH) {
      throw new TrustException(
          TrustException.Reason.KEY_INVALID,
          "Invalid Ed25519 public key: expected "
              + LENGTH
              + " bytes, got "
              + (raw == null ? "none" : raw.length));
    }
    try {
      new Ed25519PublicKeyParameters(raw, 0);
    } catch (IllegalArgumentException e) {
      throw new TrustException(
          TrustException.Reason.KEY_INVALID, "Invalid Ed25519 public key: " + e.getMessage(), e);
    }
    return new VerifyingKey(raw);
  }

  /**
   * Creates a key from its base64 form.
   *
   * @throws TrustException KEY_INVALID if not base64 of an Ed25519 public key
   */
  public static VerifyingKey fromBase64(String base64) {
    try {
      return fromRaw(Base64.getDecoder().decode(base64 == null ? "" : base64));
    } catch (IllegalArgumentException e) {
      throw new TrustException(
          TrustException.Reason.KEY_INVALID,
          "Invalid public key: not base64 (" + e.getMessage() + ")",
          e);
    }
  }

  /** Returns the key id derived from this key. */
  public KeyId keyId() {
    return keyId;
  }

  /** Returns a copy of the raw 32 bytes. */
  public byte[] raw() {
    return raw.clone();
  }

  /** Returns the raw key in base64, its wire form. */
  public String base64() {
    return Base64.getEncoder().encodeToString(raw);
  }

  /**
   * Checks a signature over a message.
   *
   * @param message the exact bytes that were signed
   * @param signature the signature bytes
   * @return true if the signature is valid for this key
   */
  public boolean verify(byte[] message, byte[] signature) {
    if (signature == null || signature.length != KeySignature.LENGTH) {
      return false;
    }
    Ed25519Signer verifier = new Ed25519Signer();
    verifier.init(false, new Ed25519PublicKeyParameters(raw, 0));
    verifier.update(message, 0, message.length);
    return verifier.verifySignature(signature);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VerifyingKey k && Arrays.equals(k.raw, raw);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(raw);
  }

  @Override
  public String toString() {
    return "VerifyingKey[" + keyId + "]";
  }
}
