package io.gapsync.protocol.archive;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.InventoryHeader;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The signed part of an archive: who produced it, for which site state, until when it is valid,
 * every entry in the order it follows, the tag updates and the content it assumes present. Its
 * canonical bytes ({@link #toBytes()}) are what the producer signs; a reader verifies the
 * signatures over the exact bytes it received before it parses them ({@link #parse}).
 *
 * @param formatVersion {@link #FORMAT_VERSION}
 * @param producerId the producer (same grammar as site ids)
 * @param archiveId a random id: 32 lowercase hex characters
 * @param sequence the producer's archive counter, from 1, increasing
 * @param siteId the site whose inventory the archive was computed against
 * @param inventoryDigest the sha256 of that inventory file
 * @param createdAt creation time, whole seconds
 * @param expiresAt expiry time, whole seconds, after createdAt
 * @param entries the entries in archive order (blobs first, then manifests children first)
 * @param tags the tag updates, applied after all content is present
 * @param assumedPresent content the archive's manifests need and the site held
 */
public record ArchiveStatement(
    int formatVersion,
    String producerId,
    String archiveId,
    long sequence,
    String siteId,
    Digest inventoryDigest,
    Instant createdAt,
    Instant expiresAt,
    List<ArchiveEntry> entries,
    List<TagUpdate> tags,
    List<AssumedPresent> assumedPresent) {

  /** The statement format version this code writes and reads. */
  public static final int FORMAT_VERSION = 1;

  /** The value of the statement's {@code format} field. */
  public static final String FORMAT = "gapsync.archive";

  /** Largest statement accepted, in bytes (a few hundred thousand entries). */
  public static final int MAX_BYTES = 64 * 1024 * 1024;

  private static final Pattern ARCHIVE_ID = Pattern.compile("[0-9a-f]{32}");
  private static final Pattern ID = Pattern.compile(InventoryHeader.SITE_ID_GRAMMAR);
  private static final Instant MAX_TIME = Instant.parse("9999-12-31T23:59:59Z");

  /** Validates the fields and copies the lists. */
  public ArchiveStatement {
    if (formatVersion != FORMAT_VERSION) {
      throw new ArchiveException(
          ArchiveException.Reason.FORMAT,
          "Archive statement format version "
              + formatVersion
              + " is not the version this gapsync reads ("
              + FORMAT_VERSION
              + ")"
              + (formatVersion > FORMAT_VERSION ? ": upgrade gapsync" : ""));
    }
    check(
        producerId != null && ID.matcher(producerId).matches(),
        "producerId '" + producerId + "' does not match " + InventoryHeader.SITE_ID_GRAMMAR);
    check(
        siteId != null && ID.matcher(siteId).matches(),
        "siteId '" + siteId + "' does not match " + InventoryHeader.SITE_ID_GRAMMAR);
    check(
        archiveId != null && ARCHIVE_ID.matcher(archiveId).matches(),
        "archiveId must be 32 lowercase hex characters");
    check(sequence >= 1, "sequence must be at least 1, got " + sequence);
    check(inventoryDigest != null, "the inventory digest is missing");
    check(createdAt != null && expiresAt != null, "createdAt or expiresAt is missing");
    createdAt = createdAt.truncatedTo(ChronoUnit.SECONDS);
    expiresAt = expiresAt.truncatedTo(ChronoUnit.SECONDS);
    check(
        !createdAt.isBefore(Instant.EPOCH) && !expiresAt.isAfter(MAX_TIME),
        "times must lie in 1970..9999");
    check(
        expiresAt.isAfter(createdAt),
        "expiresAt " + expiresAt + " is not after createdAt " + createdAt);
    entries = List.copyOf(entries);
    tags = List.copyOf(tags);
    assumedPresent = List.copyOf(assumedPresent);
    Set<String> seen = new HashSet<>();
    for (ArchiveEntry e : entries) {
      if (!EntryEncoding.KNOWN.contains(e.encoding())) {
        throw new ArchiveException(
            ArchiveException.Reason.ENCODING_UNSUPPORTED,
            "Archive entry "
                + e.digest()
                + " uses encoding '"
                + e.encoding()
                + "', which this gapsync does not understand (it knows "
                + new java.util.TreeSet<>(EntryEncoding.KNOWN)
                + "): upgrade gapsync");
      }
      check(
          e.base() == null,
          "entry "
              + e.digest()
              + " has a base, which encoding '"
              + e.encoding()
              + "' does not take");
      check(seen.add(e.kind().wire() + e.digest()), "entry " + e.digest() + " is listed twice");
    }
    Set<String> refs = new HashSet<>();
    for (TagUpdate t : tags) {
      check(refs.add(t.reference()), "tag " + t.reference() + " is updated twice");
    }
  }

  private static void check(boolean ok, String why) {
    if (!ok) {
      throw new ArchiveException(
          ArchiveException.Reason.STATEMENT_INVALID, "Archive statement is invalid: " + why);
    }
  }

  /**
   * Returns the canonical bytes: what is signed. The same statement always gives the same bytes.
   */
  public byte[] toBytes() {
    return StatementCodec.write(this);
  }

  /**
   * Parses statement bytes, treating them as hostile: size limit, duplicate keys and unknown fields
   * rejected, every value validated.
   *
   * @param bytes the exact bytes (verify their signatures first)
   * @param source the archive, for messages
   * @return the statement
   * @throws ArchiveException FORMAT, STATEMENT_INVALID or ENCODING_UNSUPPORTED
   */
  public static ArchiveStatement parse(byte[] bytes, String source) {
    return StatementCodec.parse(bytes, source);
  }

  /** Returns the sum of the entries' content sizes. */
  public long contentBytes() {
    return entries.stream().mapToLong(ArchiveEntry::size).sum();
  }

  /** Returns the sum of the entries' stored sizes. */
  public long storedBytes() {
    return entries.stream().mapToLong(ArchiveEntry::storedSize).sum();
  }
}
