package io.gapsync.daemon.spool;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.gapsync.daemon.archive.ArchiveImporter;
import io.gapsync.daemon.archive.ReturnedInventory;
import io.gapsync.daemon.sync.StoreInventory;
import io.gapsync.protocol.trust.KeySignature;
import io.gapsync.protocol.trust.SigningKey;
import io.gapsync.store.Store;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the site's inventory to the outbox after an import (docs/FORMAT.md section 4.11): {@code
 * inventory-<siteId>-<yyyyMMdd'T'HHmmss'Z'>.json}, and with a site key a detached signature {@code
 * .sig} next to it over the exact inventory bytes. Each file is written under a hidden temporary
 * name, synced and renamed, the signature first, so a reader that sees the inventory also finds its
 * signature. Never overwrites: a second inventory in the same second gets {@code -2}, {@code -3}.
 */
public final class OutboxInventory {

  /** Format name of a detached signature file (read back by {@link ReturnedInventory}). */
  public static final String SIGNATURE_FORMAT = ReturnedInventory.SIGNATURE_FORMAT;

  /** The signature file format version this code writes. */
  public static final int SIGNATURE_FORMAT_VERSION = ReturnedInventory.SIGNATURE_FORMAT_VERSION;

  /** Suffix of the detached signature next to the inventory. */
  public static final String SIGNATURE_SUFFIX = ReturnedInventory.SIGNATURE_SUFFIX;

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private static final ObjectMapper WRITER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private OutboxInventory() {}

  /**
   * Writes a fresh inventory of the store (with its import watermarks) to the outbox.
   *
   * @param store the store (open; not closed)
   * @param outbox the folder (created if absent)
   * @param siteKey the site's key, or null for no signature
   * @param now the inventory's time and the file name's
   * @return the inventory file written
   * @throws IOException if writing fails (no complete-looking file is left)
   */
  public static Path write(Store store, Path outbox, SigningKey siteKey, Instant now)
      throws IOException {
    Files.createDirectories(outbox);
    String base = "inventory-" + store.siteId() + "-" + STAMP.format(now);
    Path target = outbox.resolve(base + ".json");
    for (int n = 2; Files.exists(target) || Files.exists(signatureOf(target)); n++) {
      target = outbox.resolve(base + "-" + n + ".json");
    }
    Path tmp = target.resolveSibling("." + target.getFileName() + ".partial");
    try {
      try (FileChannel ch = create(tmp);
          OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16)) {
        StoreInventory.write(store, out, now, ArchiveImporter.watermarks(store));
        out.flush();
        ch.force(true);
      }
      if (siteKey != null) {
        // Ed25519 signs the whole message at once; only a signing site reads it back.
        byte[] inventory = Files.readAllBytes(tmp);
        writeAtomically(signatureOf(target), signatureBytes(siteKey.sign(inventory)));
      }
      publish(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return target;
  }

  /** Returns the signature file of an inventory file. */
  public static Path signatureOf(Path inventory) {
    return inventory.resolveSibling(inventory.getFileName() + SIGNATURE_SUFFIX);
  }

  /** Returns the bytes of a detached signature file. */
  public static byte[] signatureBytes(KeySignature signature) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("format", SIGNATURE_FORMAT);
    doc.put("formatVersion", SIGNATURE_FORMAT_VERSION);
    doc.put("keyId", signature.keyId().toString());
    doc.put("signature", signature.base64());
    try {
      return WRITER.writeValueAsBytes(doc);
    } catch (IOException e) {
      throw new IllegalStateException("serialising a signature failed", e);
    }
  }

  /** Writes a file under a hidden temporary name, syncs it and renames it (mode 0644). */
  private static void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path tmp = target.resolveSibling("." + target.getFileName() + ".partial");
    try {
      try (FileChannel ch = create(tmp);
          OutputStream out = Channels.newOutputStream(ch)) {
        out.write(bytes);
        out.flush();
        ch.force(true);
      }
      publish(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static FileChannel create(Path tmp) throws IOException {
    return FileChannel.open(
        tmp,
        StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE);
  }

  /** Makes a synced temporary file readable by all (it is meant to be carried) and renames it. */
  private static void publish(Path tmp, Path target) throws IOException {
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: the default mode will do.
    }
    if (Files.exists(target)) {
      throw new FileAlreadyExistsException(target.toString());
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
  }
}
