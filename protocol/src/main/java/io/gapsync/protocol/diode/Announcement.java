package io.gapsync.protocol.diode;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import io.gapsync.protocol.trust.KeyId;
import io.gapsync.protocol.trust.KeySignature;
import io.gapsync.protocol.trust.SigningKey;
import io.gapsync.protocol.trust.TrustPolicy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The signed description of one object on the diode (docs/FORMAT.md section 5.2): its sha256, size,
 * file name and {@link BlockLayout}. The receiver configures itself from it (no settings must match
 * by hand) and trusts a block layout or a name only once the signature verifies against its trust
 * file.
 *
 * <p>Payload, big-endian: scheme u8 (1 = Cauchy Reed-Solomon GF(2^8) byte-wise, 2 = the same code
 * family in XOR bit-matrix form), k u8, m u8, outer u8 (blocks per outer block, 0 = none; {@link
 * BlockLayout}), symbol size u16, interleave u16, size u64, sha256 (32 bytes), block count u32,
 * name length u8, name (UTF-8); then the signing key's id (16 bytes, the 32 hex digits of {@link
 * KeyId}) and the Ed25519 signature (64 bytes) over {@link #SIGNING_CONTEXT} followed by every byte
 * before the key id.
 *
 * @param digest the object's sha256 (its identity; the first 8 bytes are the frame's object id)
 * @param name the file name it is published under in the spool
 * @param layout size and block layout
 * @param signature who signed it, or null while unsigned
 */
public record Announcement(Digest digest, String name, BlockLayout layout, KeySignature signature) {

  /** The FEC scheme id of {@link ReedSolomon}. */
  public static final int SCHEME_CAUCHY_RS_GF256 = 1;

  /** The FEC scheme id of {@link CauchyBitMatrixCode} (symbol size a multiple of 64). */
  public static final int SCHEME_CAUCHY_BITMATRIX_GF256 = 2;

  /** Longest file name in UTF-8 bytes. */
  public static final int NAME_LENGTH_MAX = 255;

  /** Domain separation: a diode announcement signature can never pass for any other statement. */
  public static final byte[] SIGNING_CONTEXT =
      "gapsync.diode.announce.v1\n".getBytes(StandardCharsets.US_ASCII);

  private static final int FIXED = 53;
  private static final int KEY_ID_BYTES = 16;

  /** Largest payload: fixed fields, the longest name, key id and signature. */
  public static final int PAYLOAD_LENGTH_MAX =
      FIXED + NAME_LENGTH_MAX + KEY_ID_BYTES + KeySignature.LENGTH;

  /** Validates the fields. */
  public Announcement {
    if (digest == null || digest.algorithm() != DigestAlgorithm.SHA256) {
      throw new DiodeException("A diode announcement needs a sha256 digest, got " + digest);
    }
    checkName(name);
  }

  /** Returns the object id the frames carry: the digest's first 8 bytes. */
  public long objectId() {
    return DiodeFrame.objectId(digest.raw());
  }

  /** Returns a copy signed by {@code key}. */
  public Announcement signedBy(SigningKey key) {
    return new Announcement(digest, name, layout, key.sign(signedBytes()));
  }

  /**
   * Checks the signature against a trust policy.
   *
   * @throws io.gapsync.protocol.trust.TrustException THRESHOLD_NOT_MET naming the keys
   */
  public void verify(TrustPolicy trust) {
    trust.verify(
        signedBytes(),
        signature == null ? List.of() : List.of(signature),
        "the diode announcement of " + name + " (" + digest + ")");
  }

  /** Returns the exact bytes the signature covers. */
  public byte[] signedBytes() {
    byte[] fields = fields();
    byte[] out = Arrays.copyOf(SIGNING_CONTEXT, SIGNING_CONTEXT.length + fields.length);
    System.arraycopy(fields, 0, out, SIGNING_CONTEXT.length, fields.length);
    return out;
  }

  /**
   * Writes the payload.
   *
   * @param buffer where to write (big-endian is set)
   * @param offset at which absolute index
   * @return the payload's length
   */
  public int encode(ByteBuffer buffer, int offset) {
    if (signature == null) {
      throw new IllegalStateException("an announcement must be signed before it is sent");
    }
    byte[] fields = fields();
    buffer.order(ByteOrder.BIG_ENDIAN).put(offset, fields);
    int at = offset + fields.length;
    buffer.put(at, HexFormat.of().parseHex(signature.keyId().value().substring(8)));
    buffer.put(at + KEY_ID_BYTES, signature.signature());
    return fields.length + KEY_ID_BYTES + KeySignature.LENGTH;
  }

  /**
   * Reads a payload. The signature is not checked here: call {@link #verify}.
   *
   * @throws DiodeException naming the field that is wrong
   */
  public static Announcement decode(ByteBuffer buffer, int offset, int length) {
    ByteBuffer b = buffer.duplicate().order(ByteOrder.BIG_ENDIAN);
    if (length < FIXED) {
      throw new DiodeException("Diode announcement too short: " + length + " bytes");
    }
    int scheme = b.get(offset) & 0xff;
    if (scheme != SCHEME_CAUCHY_RS_GF256 && scheme != SCHEME_CAUCHY_BITMATRIX_GF256) {
      throw new DiodeException(
          "Diode announcement uses FEC scheme "
              + scheme
              + " but this receiver knows only "
              + SCHEME_CAUCHY_RS_GF256
              + " (Cauchy Reed-Solomon) and "
              + SCHEME_CAUCHY_BITMATRIX_GF256
              + " (Cauchy Reed-Solomon, bit-matrix): upgrade the receiver");
    }
    int k = b.get(offset + 1) & 0xff;
    int m = b.get(offset + 2) & 0xff;
    int outer = b.get(offset + 3) & 0xff;
    int symbolSize = b.getShort(offset + 4) & 0xffff;
    int interleave = b.getShort(offset + 6) & 0xffff;
    long size = b.getLong(offset + 8);
    byte[] raw = new byte[32];
    b.get(offset + 16, raw);
    int blocks = b.getInt(offset + 48);
    int nameLength = b.get(offset + 52) & 0xff;
    if (length != FIXED + nameLength + KEY_ID_BYTES + KeySignature.LENGTH) {
      throw new DiodeException(
          "Diode announcement is "
              + length
              + " bytes but its name length "
              + nameLength
              + " needs "
              + (FIXED + nameLength + KEY_ID_BYTES + KeySignature.LENGTH));
    }
    byte[] name = new byte[nameLength];
    b.get(offset + FIXED, name);
    byte[] keyId = new byte[KEY_ID_BYTES];
    b.get(offset + FIXED + nameLength, keyId);
    byte[] sig = new byte[KeySignature.LENGTH];
    b.get(offset + FIXED + nameLength + KEY_ID_BYTES, sig);
    BlockLayout layout = new BlockLayout(size, symbolSize, k, m, interleave, scheme, outer);
    if (layout.blockCount() != blocks) {
      throw new DiodeException(
          "Diode announcement says " + blocks + " blocks but its layout makes " + layout);
    }
    return new Announcement(
        Digest.fromRaw(DigestAlgorithm.SHA256, raw),
        new String(name, StandardCharsets.UTF_8),
        layout,
        new KeySignature(KeyId.parse("ed25519:" + HexFormat.of().formatHex(keyId)), sig));
  }

  private byte[] fields() {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(FIXED + nameBytes.length).order(ByteOrder.BIG_ENDIAN);
    b.put((byte) layout.scheme())
        .put((byte) layout.k())
        .put((byte) layout.m())
        .put((byte) layout.outer())
        .putShort((short) layout.symbolSize())
        .putShort((short) layout.interleave())
        .putLong(layout.size())
        .put(digest.raw())
        .putInt(layout.blockCount())
        .put((byte) nameBytes.length)
        .put(nameBytes);
    return b.array();
  }

  /**
   * Checks a file name a sender may announce: a single plain path element a receiver can create
   * safely (no separators, not hidden, no control characters, at most 255 UTF-8 bytes).
   *
   * @throws DiodeException saying what is wrong
   */
  public static void checkName(String name) {
    String why = null;
    if (name == null || name.isEmpty()) {
      why = "it is empty";
    } else if (name.getBytes(StandardCharsets.UTF_8).length > NAME_LENGTH_MAX) {
      why = "it is longer than " + NAME_LENGTH_MAX + " bytes";
    } else if (name.startsWith(".")) {
      why = "it starts with a dot";
    } else if (name.chars().anyMatch(c -> c == '/' || c == '\\' || c < 0x20 || c == 0x7f)) {
      why = "it contains a path separator or a control character";
    }
    if (why != null) {
      throw new DiodeException(
          "Invalid diode object name '" + name + "': " + why + "; rename the file");
    }
  }
}
