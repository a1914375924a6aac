package io.gapsync.protocol.trust;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the offline site trusts: a set of producer keys and how many of them must sign (the
 * threshold, default 1). Read from a trust file (docs/FORMAT.md section 4, "Trust file") or a
 * single producer's {@code .pub} file (that key alone, threshold 1). Immutable and thread-safe.
 *
 * <p>{@link #verify} counts each trusted key once, however many signatures claim it (a duplicate
 * key id cannot fake a threshold), ignores signatures by keys it does not trust, and requires the
 * threshold of distinct valid signatures. Rotation: a trust file may list the old and the new key
 * while archives signed by either (or both) are in flight.
 */
public final class TrustPolicy {

  /** Format name of a trust file. */
  public static final String FORMAT = "gapsync.trust";

  /** The trust file format version this code reads and writes. */
  public static final int FORMAT_VERSION = 1;

  /** Threshold when the trust file gives none. */
  public static final int THRESHOLD_DEFAULT = 1;

  private static final ObjectMapper WRITER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Map<KeyId, TrustedKey> keys;
  private final int threshold;

  /**
   * Creates a policy.
   *
   * @param keys the trusted keys (distinct)
   * @param threshold how many distinct trusted keys must sign, 1 to the number of keys
   * @throws TrustException FILE_INVALID if the keys repeat or the threshold is out of range
   */
  public TrustPolicy(List<TrustedKey> keys, int threshold) {
    Map<KeyId, TrustedKey> m = new TreeMap<>();
    for (TrustedKey k : keys) {
      if (m.put(k.keyId(), k) != null) {
        throw new TrustException(
            TrustException.Reason.FILE_INVALID,
            "Tried to build a trust policy but key " + k.keyId() + " is listed twice");
      }
    }
    if (m.isEmpty() || threshold < 1 || threshold > m.size()) {
      throw new TrustException(
          TrustException.Reason.FILE_INVALID,
          "Tried to build a trust policy but its threshold "
              + threshold
              + " is outside 1.."
              + m.size()
              + " (the number of trusted keys)");
    }
    this.keys = java.util.Collections.unmodifiableMap(m);
    this.threshold = threshold;
  }

  /** Returns a policy trusting one key, threshold 1. */
  public static TrustPolicy of(VerifyingKey key) {
    return new TrustPolicy(List.of(new TrustedKey(key, "")), 1);
  }

  /**
   * Loads a trust file, or a single {@code .pub} file.
   *
   * @param file the file
   * @return the policy
   * @throws TrustException FILE_INVALID or KEY_INVALID naming the file and the problem
   * @throws IOException if reading fails
   */
  public static TrustPolicy load(Path file) throws IOException {
    JsonNode n = KeyFiles.readJson(file, "trust file");
    String format = n.path("format").asText(null);
    if (KeyFiles.PUBLIC_FORMAT.equals(format)) {
      return of(KeyFiles.parsePublic(n, file));
    }
    if (!FORMAT.equals(format)) {
      throw KeyFiles.invalid(
          file,
          "its format is '"
              + format
              + "': --trust takes a trust file ("
              + FORMAT
              + ") or a public key file ("
              + KeyFiles.PUBLIC_FORMAT
              + ")");
    }
    JsonNode v = n.get("formatVersion");
    if (v == null || !v.isInt() || v.intValue() != FORMAT_VERSION) {
      throw KeyFiles.invalid(
          file, "its formatVersion is " + v + " and this gapsync reads version " + FORMAT_VERSION);
    }
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!Set.of("format", "formatVersion", "threshold", "keys").contains(f)) {
        throw KeyFiles.invalid(file, "it has an unknown field '" + f + "'");
      }
    }
    int threshold = THRESHOLD_DEFAULT;
    if (n.has("threshold")) {
      if (!n.get("threshold").isInt()) {
        throw KeyFiles.invalid(file, "its threshold is not an integer");
      }
      threshold = n.get("threshold").intValue();
    }
    JsonNode list = n.get("keys");
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw KeyFiles.invalid(file, "it lists no keys");
    }
    List<TrustedKey> keys = new ArrayList<>();
    for (JsonNode k : list) {
      if (!k.isObject()) {
        throw KeyFiles.invalid(file, "a keys entry is not an object");
      }
      VerifyingKey key = VerifyingKey.fromBase64(KeyFiles.text(k, "publicKey", file));
      KeyFiles.checkKeyId(k, key, file);
      keys.add(new TrustedKey(key, k.path("name").asText("")));
    }
    try {
      return new TrustPolicy(keys, threshold);
    } catch (TrustException e) {
      throw KeyFiles.invalid(file, e.getMessage());
    }
  }

  /** Returns the bytes of a trust file for this policy. */
  public byte[] toFileBytes() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("format", FORMAT);
    doc.put("formatVersion", FORMAT_VERSION);
    doc.put("threshold", threshold);
    List<Map<String, Object>> list = new ArrayList<>();
    for (TrustedKey k : keys.values()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("keyId", k.keyId().toString());
      e.put("publicKey", k.key().base64());
      e.put("name", k.name());
      list.add(e);
    }
    doc.put("keys", list);
    try {
      return WRITER.writeValueAsBytes(doc);
    } catch (IOException e) {
      throw new IllegalStateException("serialising a trust policy failed", e);
    }
  }

  /** Returns the trusted keys by id. */
  public Map<KeyId, TrustedKey> keys() {
    return keys;
  }

  /** Returns the threshold. */
  public int threshold() {
    return threshold;
  }

  /**
   * Checks signatures over a message against this policy.
   *
   * @param message the exact signed bytes
   * @param signatures the signatures carried with them
   * @param what what was signed, for the message (e.g. "archive x.gsa")
   * @return the distinct trusted keys whose signatures are valid (at least the threshold)
   * @throws TrustException THRESHOLD_NOT_MET naming the keys that signed, the ones that are not
   *     trusted and the ones whose signature is wrong
   */
  public Set<KeyId> verify(byte[] message, List<KeySignature> signatures, String what) {
    Set<KeyId> valid = new TreeSet<>();
    Set<KeyId> unknown = new TreeSet<>();
    Set<KeyId> bad = new TreeSet<>();
    for (KeySignature s : signatures) {
      TrustedKey k = keys.get(s.keyId());
      if (k == null) {
        unknown.add(s.keyId());
      } else if (k.key().verify(message, s.signature())) {
        valid.add(s.keyId());
      } else {
        bad.add(s.keyId());
      }
    }
    if (valid.size() >= threshold) {
      return valid;
    }
    StringBuilder why = new StringBuilder();
    why.append(valid.size())
        .append(" of the required ")
        .append(threshold)
        .append(" trusted keys signed it");
    if (signatures.isEmpty()) {
      why.append(" (it carries no signature)");
    }
    if (!unknown.isEmpty()) {
      why.append("; signed by keys this site does not trust: ").append(unknown);
    }
    if (!bad.isEmpty()) {
      why.append("; signatures that do not verify (tampered or wrong key) by ").append(bad);
    }
    throw new TrustException(
        TrustException.Reason.THRESHOLD_NOT_MET,
        "Tried to verify "
            + what
            + " but failed because "
            + why
            + ": it was not produced by a trusted key or was modified; trusted keys: "
            + keys.keySet());
  }
}
