package io.gapsync.protocol.trust;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.gapsync.protocol.Json;
import io.gapsync.protocol.ProtocolException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes key files (docs/FORMAT.md section 4, "Key files"): {@code PREFIX.key} holds the
 * private key, {@code PREFIX.pub} the public key, both small JSON documents with a format name and
 * version. The private key file is created with POSIX mode 0600 before any secret is written to it,
 * written to a temporary name, synced, and moved into place atomically; an existing key file is
 * never overwritten. A private key file that group or others can read is refused, as ssh does.
 */
public final class KeyFiles {

  /** Format name of a private key file. */
  public static final String PRIVATE_FORMAT = "gapsync.private-key";

  /** Format name of a public key file. */
  public static final String PUBLIC_FORMAT = "gapsync.public-key";

  /** The key file format version this code reads and writes. */
  public static final int FORMAT_VERSION = 1;

  /** Suffix of the private key file. */
  public static final String PRIVATE_SUFFIX = ".key";

  /** Suffix of the public key file. */
  public static final String PUBLIC_SUFFIX = ".pub";

  /** Largest key file accepted, in bytes. */
  static final int MAX_FILE_BYTES = 64 * 1024;

  private static final String ALGORITHM = "ed25519";

  private static final ObjectMapper WRITER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private KeyFiles() {}

  /**
   * Writes {@code PREFIX.key} (mode 0600) and {@code PREFIX.pub}.
   *
   * @param prefix the path prefix, e.g. {@code /etc/gapsync/producer}
   * @param key the key
   * @return the two files written, private first
   * @throws FileAlreadyExistsException if either file exists (nothing is written)
   * @throws IOException if writing fails (nothing is left behind)
   */
  public static Path[] write(Path prefix, SigningKey key) throws IOException {
    Path priv = withSuffix(prefix, PRIVATE_SUFFIX);
    Path pub = withSuffix(prefix, PUBLIC_SUFFIX);
    for (Path p : new Path[] {priv, pub}) {
      if (Files.exists(p)) {
        throw new FileAlreadyExistsException(
            p.toString(), null, "a key file exists there; gapsync never overwrites a key");
      }
    }
    Map<String, Object> secret = new LinkedHashMap<>();
    secret.put("format", PRIVATE_FORMAT);
    secret.put("formatVersion", FORMAT_VERSION);
    secret.put("algorithm", ALGORITHM);
    secret.put("keyId", key.keyId().toString());
    secret.put("privateKey", Base64.getEncoder().encodeToString(key.raw()));
    secret.put("publicKey", key.publicKey().base64());
    writeAtomically(priv, WRITER.writeValueAsBytes(secret), true);
    try {
      writeAtomically(pub, publicKeyBytes(key.publicKey()), false);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(priv);
      throw e;
    }
    return new Path[] {priv, pub};
  }

  /** Returns the bytes of a public key file for a key. */
  public static byte[] publicKeyBytes(VerifyingKey key) {
    Map<String, Object> pub = new LinkedHashMap<>();
    pub.put("format", PUBLIC_FORMAT);
    pub.put("formatVersion", FORMAT_VERSION);
    pub.put("algorithm", ALGORITHM);
    pub.put("keyId", key.keyId().toString());
    pub.put("publicKey", key.base64());
    try {
      byte[] b = WRITER.writeValueAsBytes(pub);
      byte[] out = java.util.Arrays.copyOf(b, b.length + 1);
      out[b.length] = '\n';
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("serialising a public key failed", e);
    }
  }

  /**
   * Reads a private key file.
   *
   * @param file the {@code .key} file (a prefix without the suffix is accepted too)
   * @return the key
   * @throws TrustException FILE_INVALID if the file is malformed or readable by group or others,
   *     KEY_INVALID if the key or its id is wrong
   * @throws IOException if reading fails
   */
  public static SigningKey readPrivate(Path file) throws IOException {
    Path f = file;
    if (!Files.exists(f) && Files.exists(withSuffix(file, PRIVATE_SUFFIX))) {
      f = withSuffix(file, PRIVATE_SUFFIX);
    }
    checkPrivatePermissions(f);
    JsonNode n = readJson(f, "private key file");
    checkFormat(n, PRIVATE_FORMAT, f);
    SigningKey key;
    try {
      key = SigningKey.fromRaw(Base64.getDecoder().decode(text(n, "privateKey", f)));
    } catch (IllegalArgumentException e) {
      throw invalid(f, "its privateKey is not base64");
    }
    checkKeyId(n, key.publicKey(), f);
    if (n.has("publicKey") && !key.publicKey().base64().equals(text(n, "publicKey", f))) {
      throw new TrustException(
          TrustException.Reason.KEY_INVALID,
          "Tried to read the private key "
              + f
              + " but its publicKey does not belong to its privateKey: the file is corrupt");
    }
    return key;
  }

  /**
   * Reads a public key file.
   *
   * @param file the {@code .pub} file
   * @return the key
   * @throws TrustException FILE_INVALID or KEY_INVALID
   * @throws IOException if reading fails
   */
  public static VerifyingKey readPublic(Path file) throws IOException {
    return parsePublic(readJson(file, "public key file"), file);
  }

  /** Parses a public key document already read. */
  static VerifyingKey parsePublic(JsonNode n, Path file) {
    checkFormat(n, PUBLIC_FORMAT, file);
    VerifyingKey key = VerifyingKey.fromBase64(text(n, "publicKey", file));
    checkKeyId(n, key, file);
    return key;
  }

  /** Reads a small JSON file under the key-file size limit. */
  static JsonNode readJson(Path file, String what) throws IOException {
    long size = Files.size(file);
    if (size > MAX_FILE_BYTES) {
      throw invalid(file, "it is " + size + " bytes, over the limit of " + MAX_FILE_BYTES);
    }
    try {
      JsonNode n = Json.parseTree(Files.readAllBytes(file), MAX_FILE_BYTES, what + " " + file);
      if (!n.isObject()) {
        throw invalid(file, "it is not a JSON object");
      }
      return n;
    } catch (TrustException e) {
      throw e;
    } catch (ProtocolException e) {
      throw new TrustException(TrustException.Reason.FILE_INVALID, e.getMessage(), e);
    }
  }

  static void checkFormat(JsonNode n, String format, Path file) {
    String found = n.path("format").asText(null);
    if (!format.equals(found)) {
      throw invalid(file, "its format is '" + found + "' where '" + format + "' was expected");
    }
    JsonNode v = n.get("formatVersion");
    if (v == null || !v.isInt() || v.intValue() != FORMAT_VERSION) {
      throw invalid(
          file,
          "its formatVersion is "
              + v
              + " and this gapsync reads version "
              + FORMAT_VERSION
              + (v != null && v.isInt() && v.intValue() > FORMAT_VERSION
                  ? ": upgrade gapsync"
                  : ""));
    }
    String alg = n.path("algorithm").asText(ALGORITHM);
    if (!ALGORITHM.equals(alg)) {
      throw invalid(file, "its algorithm '" + alg + "' is not " + ALGORITHM);
    }
  }

  static String text(JsonNode n, String field, Path file) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw invalid(file, "it has no text field '" + field + "'");
    }
    return v.textValue();
  }

  static void checkKeyId(JsonNode n, VerifyingKey key, Path file) {
    JsonNode id = n.get("keyId");
    if (id != null && !key.keyId().toString().equals(id.asText())) {
      throw new TrustException(
          TrustException.Reason.KEY_INVALID,
          "Tried to read "
              + file
              + " but its keyId "
              + id.asText()
              + " is not the id of its key ("
              + key.keyId()
              + "): the file was edited or is corrupt");
    }
  }

  static TrustException invalid(Path file, String why) {
    return new TrustException(
        TrustException.Reason.FILE_INVALID, "Tried to read " + file + " but " + why);
  }

  static Path withSuffix(Path prefix, String suffix) {
    return prefix.resolveSibling(prefix.getFileName().toString() + suffix);
  }

  private static void checkPrivatePermissions(Path f) throws IOException {
    PosixFileAttributeView view = Files.getFileAttributeView(f, PosixFileAttributeView.class);
    if (view == null) {
      return;
    }
    Set<PosixFilePermission> perms = view.readAttributes().permissions();
    for (PosixFilePermission p : perms) {
      if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
        throw invalid(
            f,
            "it is readable by others (mode "
                + PosixFilePermissions.toString(perms)
                + "): a private key must be mode 0600 (chmod 600 "
                + f
                + ")");
      }
    }
  }

  private static void writeAtomically(Path target, byte[] bytes, boolean secret)
      throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + System.nanoTime());
    boolean posix = Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class);
    String mode = secret ? "rw-------" : "rw-r--r--";
    if (posix) {
      // The mode is set at creation, so the secret is never readable by others, not even briefly.
      Files.createFile(
          tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
    } else {
      Files.createFile(tmp);
    }
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
          OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
        out.write(bytes);
        out.flush();
        ch.force(true);
      }
      if (posix) {
        // createFile's mode is filtered by the umask; set it exactly.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(mode));
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
