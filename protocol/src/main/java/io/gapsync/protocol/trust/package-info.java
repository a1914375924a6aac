/**
 * Keys and trust for signed archives: Ed25519 signing keys ({@link
 * io.gapsync.protocol.trust.SigningKey}), their public halves ({@link
 * io.gapsync.protocol.trust.VerifyingKey}) named by a {@link io.gapsync.protocol.trust.KeyId}
 * derived from the public key, the key files ({@link io.gapsync.protocol.trust.KeyFiles}) and the
 * offline site's trust policy ({@link io.gapsync.protocol.trust.TrustPolicy}: trusted producer keys
 * and a signature threshold).
 *
 * <p>BouncyCastle's lightweight API does the cryptography; no BouncyCastle type appears in a public
 * signature. Signatures are always a list of {@link io.gapsync.protocol.trust.KeySignature}s, so
 * key rotation (sign with old and new key) and thresholds need no format change. See {@code
 * docs/FORMAT.md}, section 4.1.
 */
package io.gapsync.protocol.trust;
