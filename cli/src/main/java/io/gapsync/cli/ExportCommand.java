package io.gapsync.cli;

import io.gapsync.daemon.archive.ArchiveExporter;
import io.gapsync.protocol.CompactInventory;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import io.gapsync.protocol.DigestingInputStream;
import io.gapsync.protocol.InventoryHeader;
import io.gapsync.protocol.InventoryReader;
import io.gapsync.protocol.Reference;
import io.gapsync.protocol.archive.ArchiveEntry;
import io.gapsync.protocol.archive.ArchiveStatement;
import io.gapsync.protocol.archive.ArchiveWriter;
import io.gapsync.protocol.archive.EntryEncoding;
import io.gapsync.protocol.trust.KeyFiles;
import io.gapsync.protocol.trust.SigningKey;
import io.gapsync.store.Store;
import io.gapsync.store.TagInfo;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gapsync export --against INVENTORY --key KEY -o DIR [REPO:TAG...]}: writes the signed diff
 * archive holding what the site lacks. Exit 0 with the archive written, 1 on failure (nothing is
 * left in DIR that looks complete).
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Writes a signed, compressed diff archive holding exactly what the site described by an",
      "inventory lacks for the given images (every tag of this store when none is given): the",
      "missing blobs and manifests (with their signatures and SBOMs) and the tag updates."
    })
final class ExportCommand implements Callable<Integer> {

  @Mixin StoreMixin storeOption;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--against",
      required = true,
      paramLabel = "INVENTORY",
      description = "The site's inventory.")
  Path against;

  @Option(
      names = "--key",
      required = true,
      paramLabel = "KEY",
      description = "Private key file (PREFIX.key) to sign with; repeat for several signatures.")
  List<Path> keys = new ArrayList<>();

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "DIR",
      description = "Output folder.")
  Path outDir;

  @Parameters(
      arity = "0..*",
      paramLabel = "REPO:TAG",
      description = "The images the site should hold.")
  List<String> references = new ArrayList<>();

  @Option(
      names = "--volume-size",
      paramLabel = "SIZE",
      description =
          "Split into volumes of at most SIZE (e.g. 4.7G for DVD, 25G for Blu-ray; KiB/MiB/GiB binary).")
  String volumeSize;

  @Option(
      names = "--producer-id",
      paramLabel = "ID",
      description = "The producer id the site records (default: this store's site id).")
  String producerId;

  @Option(
      names = "--expires-in",
      paramLabel = "DURATION",
      description = "How long the archive stays valid: 12h, 30d, 2w or P30D (default: 30d).")
  String expiresIn;

  @Option(names = "--zstd-level", paramLabel = "N", description = "zstd level 1..19 (default: 6).")
  int zstdLevel = ArchiveWriter.ZSTD_LEVEL_DEFAULT;

  @Option(names = "--json", description = "Print a JSON summary.")
  boolean json;

  /** The clock; tests replace it. */
  Clock clock = Clock.systemUTC();

  @Override
  public Integer call() throws Exception {
    long start = System.nanoTime();
    long volume = volumeSize == null ? 0 : ArchiveOptions.parseSize(volumeSize);
    if (volume != 0 && volume < io.gapsync.protocol.archive.VolumeWriter.VOLUME_SIZE_MIN_BYTES) {
      throw new CliException(
          "Tried to split the archive into volumes of "
              + volume
              + " bytes but the minimum is "
              + io.gapsync.protocol.archive.VolumeWriter.VOLUME_SIZE_MIN_BYTES
              + " bytes");
    }
    Duration validity =
        expiresIn == null
            ? ArchiveOptions.EXPIRES_IN_DEFAULT
            : ArchiveOptions.parseDuration(expiresIn);
    if (zstdLevel < 1 || zstdLevel > 19) {
      throw new CliException("Tried to use zstd level " + zstdLevel + " but it must be 1..19");
    }
    List<SigningKey> signing = new ArrayList<>();
    for (Path k : keys) {
      try {
        signing.add(KeyFiles.readPrivate(k));
      } catch (NoSuchFileException e) {
        throw new CliException("Tried to read the signing key " + k + " but there is no such file");
      }
    }
    List<Reference> refs = references.stream().map(Refs::parse).toList();
    // Read the inventory once, hashing the exact bytes the statement names.
    CompactInventory site;
    Digest inventoryDigest;
    try (InputStream raw = Files.newInputStream(against);
        DigestingInputStream in =
            new DigestingInputStream(
                new BufferedInputStream(raw, 1 << 16), DigestAlgorithm.SHA256)) {
      site = new InventoryReader().readCompact(in, against.toString());
      in.transferTo(java.io.OutputStream.nullOutputStream());
      inventoryDigest = in.digest();
    } catch (NoSuchFileException e) {
      throw new CliException(
          "Tried to read the inventory " + against + " but there is no such file");
    }
    ArchiveExporter.Result r;
    try (Store store = storeOption.openWritable()) {
      String producer = producerId != null ? producerId : store.siteId();
      if (!producer.matches(InventoryHeader.SITE_ID_GRAMMAR)) {
        throw new CliException(
            "Tried to export as producer '"
                + producer
                + "' but a producer id must match "
                + InventoryHeader.SITE_ID_GRAMMAR);
      }
      List<TagInfo> tags = new ArrayList<>();
      for (Reference ref : refs) {
        if (ref.tag() == null) {
          throw new CliException("Tried to export '" + ref + "' but export takes REPO:TAG");
        }
        tags.add(new TagInfo(ref.repository(), ref.tag(), Refs.resolve(store, ref.toString())));
      }
      r =
          new ArchiveExporter(store, zstdLevel, Progress.ON_TERMINAL)
              .export(
                  site,
                  inventoryDigest,
                  tags,
                  signing,
                  producer,
                  clock.instant(),
                  validity,
                  outDir,
                  volume);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      JsonOutput.print(out, summary(r, seconds));
      return 0;
    }
    ArchiveStatement s = r.statement();
    out.println(
        "Wrote archive "
            + r.files().get(r.files().size() - 1)
            + " for site "
            + s.siteId()
            + " (producer "
            + s.producerId()
            + ", sequence "
            + s.sequence()
            + ", expires "
            + s.expiresAt()
            + ")");
    out.println(
        "  "
            + s.entries().size()
            + " entries, "
            + Sizes.human(s.contentBytes())
            + " of content stored in "
            + Sizes.human(s.storedBytes())
            + "; "
            + s.tags().size()
            + " tag updates; "
            + s.assumedPresent().size()
            + " digests assumed present at the site"
            + (r.files().size() > 1 ? "; " + (r.files().size() - 1) + " volumes" : ""));
    return 0;
  }

  /** The JSON summary: counts, bytes before and after compression, time, files. */
  static Map<String, Object> summary(ArchiveExporter.Result r, double seconds) {
    ArchiveStatement s = r.statement();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("archiveId", s.archiveId());
    m.put("producerId", s.producerId());
    m.put("sequence", s.sequence());
    m.put("siteId", s.siteId());
    m.put("createdAt", s.createdAt().toString());
    m.put("expiresAt", s.expiresAt().toString());
    m.put("entries", s.entries().size());
    m.put(
        "blobs",
        s.entries().stream()
            .filter(e -> e.kind() == io.gapsync.protocol.archive.EntryKind.BLOB)
            .count());
    m.put(
        "manifests",
        s.entries().stream()
            .filter(e -> e.kind() == io.gapsync.protocol.archive.EntryKind.MANIFEST)
            .count());
    m.put(
        "compressedEntries",
        s.entries().stream().filter(e -> e.encoding().equals(EntryEncoding.ZSTD)).count());
    m.put("bytesBeforeCompression", s.contentBytes());
    m.put("bytesAfterCompression", s.storedBytes());
    m.put("archiveBytes", r.archiveBytes());
    m.put("tagUpdates", s.tags().size());
    m.put("assumedPresent", s.assumedPresent().size());
    m.put("seconds", Math.round(seconds * 1000) / 1000.0);
    m.put("files", r.files().stream().map(Path::toString).toList());
    m.put("entryList", s.entries().stream().map(ExportCommand::entry).toList());
    return m;
  }

  private static Map<String, Object> entry(ArchiveEntry e) {
    Map<String, Object> x = new LinkedHashMap<>();
    x.put("digest", e.digest().toString());
    x.put("kind", e.kind().wire());
    x.put("mediaType", e.mediaType());
    x.put("size", e.size());
    x.put("encoding", e.encoding());
    x.put("storedSize", e.storedSize());
    return x;
  }
}
