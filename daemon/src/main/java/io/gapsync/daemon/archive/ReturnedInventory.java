package io.gapsync.daemon.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gapsync.protocol.CompactInventory;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import io.gapsync.protocol.DigestingInputStream;
import io.gapsync.protocol.InventoryReader;
import io.gapsync.protocol.ProtocolException;
import io.gapsync.protocol.trust.KeyId;
import io.gapsync.protocol.trust.KeySignature;
import io.gapsync.protocol.trust.TrustException;
import io.gapsync.protocol.trust.TrustPolicy;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

/**
 * An inventory that came back from the site (docs/FORMAT.md section 4.11), read once into memory so
 * that the bytes whose signature is checked are exactly the bytes parsed and hashed. With a site
 * trust policy the detached signature {@code NAME.sig} must verify against it before anything of
 * the inventory is used; an unsigned, wrongly signed or tampered inventory is refused with an
 * {@link ArchiveRefusedException} that names the file and what to do.
 *
 * @param file the inventory file
 * @param inventory its compact form
 * @param digest the sha256 of its exact bytes (what an archive's {@code against.inventory} names)
 * @param signedBy the trusted site keys whose signature verified; empty when not checked
 */
public record ReturnedInventory(
    Path file, CompactInventory inventory, Digest digest, List<KeyId> signedBy) {

  /** Largest returned inventory read (Ed25519 signs the whole message, so it is held). */
  public static final long INVENTORY_BYTES_MAX = 1L << 30;

  /** Largest detached signature file read. */
  public static final long SIGNATURE_BYTES_MAX = 64 * 1024;

  /** Format name of a detached signature file (written by the site's outbox). */
  public static final String SIGNATURE_FORMAT = "gapsync.signature";

  /** The signature file format version understood here. */
  public static final int SIGNATURE_FORMAT_VERSION = 1;

  /** Suffix of the detached signature next to an inventory. */
  public static final String SIGNATURE_SUFFIX = ".sig";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Copies the key list. */
  public ReturnedInventory {
    signedBy = List.copyOf(signedBy);
  }

  /**
   * Reads an inventory, verifying its detached signature first when a site trust policy is given.
   *
   * @param file the inventory file
   * @param siteTrust the trusted site keys, or null to read it unverified (only for {@code export
   *     --against} without {@code --site-trust})
   * @return the inventory
   * @throws ArchiveRefusedException if the file or its signature is missing, too large, malformed,
   *     or the signature does not verify (nothing is used)
   * @throws ProtocolException if the inventory itself is malformed
   * @throws IOException if reading fails
   */
  public static ReturnedInventory read(Path file, TrustPolicy siteTrust) throws IOException {
    if (siteTrust == null) {
      // Nothing to verify: stream it, so a large inventory never sits in memory whole.
      try (InputStream raw = Files.newInputStream(file)) {
        return parse(file, new BufferedInputStream(raw, 1 << 16), List.of());
      } catch (NoSuchFileException e) {
        throw new ArchiveRefusedException(
            "Tried to read the inventory " + file + " but there is no such file", e);
      }
    }
    byte[] bytes = readBounded(file, INVENTORY_BYTES_MAX, "inventory");
    List<KeyId> signers = verify(file, bytes, siteTrust);
    return parse(file, new ByteArrayInputStream(bytes), signers);
  }

  private static ReturnedInventory parse(Path file, InputStream bytes, List<KeyId> signers)
      throws IOException {
    try (DigestingInputStream in = new DigestingInputStream(bytes, DigestAlgorithm.SHA256)) {
      CompactInventory inventory = new InventoryReader().readCompact(in, file.toString());
      in.transferTo(OutputStream.nullOutputStream());
      return new ReturnedInventory(file, inventory, in.digest(), signers);
    }
  }

  /** Returns the signature file of an inventory file. */
  public static Path signatureOf(Path inventory) {
    return inventory.resolveSibling(inventory.getFileName() + SIGNATURE_SUFFIX);
  }

  private static List<KeyId> verify(Path file, byte[] bytes, TrustPolicy siteTrust)
      throws IOException {
    Path sig = signatureOf(file);
    String tried = "Tried to verify the returned inventory " + file;
    if (!Files.exists(sig)) {
      throw new ArchiveRefusedException(
          tried
              + " but its signature "
              + sig
              + " is missing: copy the .sig the site wrote next to it (serve --site-key), or"
              + " leave out --site-trust to accept unsigned inventories");
    }
    byte[] raw = readBounded(sig, SIGNATURE_BYTES_MAX, "signature");
    KeySignature signature;
    try {
      JsonNode doc = JSON.readTree(raw);
      if (doc == null || !doc.isObject()) {
        throw new IllegalArgumentException("it is not a JSON object");
      }
      String format = doc.path("format").asText("");
      if (!SIGNATURE_FORMAT.equals(format)) {
        throw new IllegalArgumentException(
            "its format is '" + format + "', not '" + SIGNATURE_FORMAT + "'");
      }
      int version = doc.path("formatVersion").asInt(-1);
      if (version != SIGNATURE_FORMAT_VERSION) {
        throw new IllegalArgumentException(
            "its format version "
                + version
                + " is not the version this gapsync reads ("
                + SIGNATURE_FORMAT_VERSION
                + ")");
      }
      signature =
          new KeySignature(
              KeyId.parse(doc.path("keyId").asText("")),
              Base64.getDecoder().decode(doc.path("signature").asText("")));
    } catch (IOException | IllegalArgumentException | ProtocolException e) {
      throw new ArchiveRefusedException(
          tried + " but its signature file " + sig + " is malformed: " + e.getMessage(), e);
    }
    try {
      return List.copyOf(
          siteTrust.verify(bytes, List.of(signature), "the returned inventory " + file));
    } catch (TrustException e) {
      throw new ArchiveRefusedException(
          tried
              + " but its signature does not verify against the site keys of --site-trust: "
              + e.getMessage()
              + " (was it changed after the site wrote it, or signed by another site?)",
          e);
    }
  }

  private static byte[] readBounded(Path file, long max, String what) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
      if (bytes.length > max) {
        throw new ArchiveRefusedException(
            "Tried to read the returned "
                + what
                + " "
                + file
                + " but it is larger than "
                + max
                + " bytes: it is not a file gapsync wrote");
      }
      return bytes;
    } catch (NoSuchFileException e) {
      throw new ArchiveRefusedException(
          "Tried to read the returned " + what + " " + file + " but there is no such file", e);
    }
  }
}
