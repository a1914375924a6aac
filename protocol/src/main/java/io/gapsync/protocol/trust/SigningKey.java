package io.gapsync.protocol.trust;

import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * An Ed25519 private key (its 32-byte seed) with its public half: signs statements. Thread-safe
 * (each signature uses a fresh signer). {@link #toString()} never shows the secret.
 */
public final class SigningKey {

  /** Length of a raw Ed25519 private key (the seed) in bytes. */
  public static final int LENGTH = 32;

  private final byte[] seed;
  private final VerifyingKey publicKey;

  private SigningKey(byte[] seed) {
    this.seed = seed.clone();
    this.publicKey =
        VerifyingKey.fromRaw(
            new Ed25519PrivateKeyParameters(this.seed, 0).generatePublicKey().getEncoded());
  }

  /**
   * Generates a new key.
   *
   * @param random the randomness (a {@link SecureRandom}; tests may pass a seeded one)
   * @return the key
   */
  public static SigningKey generate(SecureRandom random) {
    byte[] seed = new byte[LENGTH];
    random.nextBytes(seed);
    return new SigningKey(seed);
  }

  /**
   * Creates a key from its raw 32-byte seed.
   *
   * @throws TrustException KEY_INVALID if the length is wrong
   */
  public static SigningKey fromRaw(byte[] seed) {
    if (seed == null || seed.length != LENGTH) {
      throw new TrustException(
          TrustException.Reason.KEY_INVALID,
          "Invalid Ed25519 private key: expected "
              + LENGTH
              + " bytes, got "
              + (seed == null ? "none" : seed.length));
    }
    return new SigningKey(seed);
  }

  /** Returns the public half. */
  public VerifyingKey publicKey() {
    return publicKey;
  }

  /** Returns the key id of the public half. */
  public KeyId keyId() {
    return publicKey.keyId();
  }

  /** Returns a copy of the raw seed (for writing the key file only). */
  byte[] raw() {
    return seed.clone();
  }

  /**
   * Signs a message.
   *
   * @param message the exact bytes to sign
   * @return the signature, named by this key's id
   */
  public KeySignature sign(byte[] message) {
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, new Ed25519PrivateKeyParameters(seed, 0));
    signer.update(message, 0, message.length);
    return new KeySignature(keyId(), signer.generateSignature());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SigningKey k && Arrays.equals(k.seed, seed);
  }

  @Override
  public int hashCode() {
    return publicKey.hashCode();
  }

  @Override
  public String toString() {
    return "SigningKey[" + keyId() + "]";
  }
}
