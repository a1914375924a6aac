package io.gapsync.cli;

import io.gapsync.daemon.archive.ArchiveExporter;
import io.gapsync.daemon.archive.ExportLedger;
import io.gapsync.daemon.archive.LedgerRecord;
import io.gapsync.daemon.archive.PlanningInventory;
import io.gapsync.daemon.archive.ReturnedInventory;
import io.gapsync.daemon.sync.DeltaPlan;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.InventoryHeader;
import io.gapsync.protocol.Reference;
import io.gapsync.protocol.archive.ArchiveEntry;
import io.gapsync.protocol.archive.ArchiveStatement;
import io.gapsync.protocol.archive.ArchiveWriter;
import io.gapsync.protocol.archive.ChecksumFile;
import io.gapsync.protocol.archive.EntryEncoding;
import io.gapsync.protocol.trust.KeyFiles;
import io.gapsync.protocol.trust.SigningKey;
import io.gapsync.protocol.trust.TrustPolicy;
import io.gapsync.store.Store;
import io.gapsync.store.TagInfo;
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
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gapsync export (--against INVENTORY | --inbox DIR) --key KEY -o DIR [REPO:TAG...]}: writes
 * the signed diff archive holding what the site lacks. The store is opened read-only (export runs
 * while {@code gapsync serve} holds it); the export ledger ({@link ExportLedger}) hands out the
 * sequence, records what the archive sent and corrects the plan ({@link PlanningInventory}). With
 * {@code --site-trust} the inventory's signature is verified first ({@link ReturnedInventory}).
 * Exit 0 with the archive written, or with nothing written when the site lacks nothing; 1 on
 * failure (nothing is left in DIR that looks complete, the ledger is unchanged).
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Writes a signed, compressed diff archive holding exactly what the site described by an",
      "inventory lacks for the given images (every tag of this store when none is given): the",
      "missing blobs and manifests (with their signatures and SBOMs) and the tag updates.",
      "Archives sent since the inventory was taken count as delivered (the export ledger);",
      "what an archive the inventory reflects carried but the site lacks is sent again.",
      "Writes nothing (exit 0) when the site lacks nothing. The store is opened read-only.",
      "Next to the archive goes NAME.sha256 (sha256sum format: check a copy with",
      "'sha256sum -c'); diode send takes the archive's digest from it."
    })
final class ExportCommand implements Callable<Integer> {

  @Mixin StoreMixin storeOption;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** Where the site's inventory comes from: one file, or the newest verified one of a folder. */
  static final class Source {
    @Option(
        names = "--against",
        required = true,
        paramLabel = "INVENTORY",
        description = "The site's inventory (returned by the site, or from inventory export).")
    Path against;

    @Option(
        names = "--inbox",
        required = true,
        paramLabel = "DIR",
        description =
            "Take the newest verified inventory dropped into DIR (needs --site-trust); for"
                + " scheduled exports.")
    Path inbox;
  }

  @ArgGroup(multiplicity = "1")
  Source source;

  @Option(
      names = "--site-trust",
      paramLabel = "FILE",
      description =
          "Trust file or PREFIX.pub of the site key: the inventory's .sig must verify against it"
              + " before it is used.")
  Path siteTrust;

  @Option(
      names = "--ledger",
      paramLabel = "DIR",
      description =
          "The export ledger: what each archive sent, and the sequence counters (default: the"
              + " store folder's name plus .ledger, next to it).")
  Path ledgerDir;

  @Option(
      names = "--assume-delivered",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Plan as if archives sent after the inventory's watermark arrived (default); with"
              + " --no-assume-delivered plan from the inventory alone, sending them again.")
  boolean assumeDelivered = true;

  @Option(
      names = "--key",
      required = true,
      paramLabel = "KEY",
      description = "Private key file (PREFIX.key) to sign with; repeat for several signatures.")
  List<Path> keys = new ArrayList<>();

  @Option(
      names = {"-o", "--output", "--outbox"},
      required = true,
      paramLabel = "DIR",
      description = "Output folder (the outbox the media or the diode sender take archives from).")
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
    if (source.inbox != null && siteTrust == null) {
      throw new CliException(
          "Tried to export from the inbox "
              + source.inbox
              + " without --site-trust: inventories dropped into an inbox are only used once their"
              + " .sig verifies against the site key (give --site-trust FILE)");
    }
    TrustPolicy siteKeys = siteTrust == null ? null : loadTrust(siteTrust);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ExportRun run;
    try (Store store = storeOption.openReadOnly()) {
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
      Path ledgerPath =
          ledgerDir != null ? ledgerDir : ExportLedger.defaultFor(storeOption.storePath());
      try (ExportLedger ledger = ExportLedger.open(ledgerPath)) {
        ReturnedInventory returned =
            source.inbox != null
                ? Inbox.newest(source.inbox, siteKeys, producer, err)
                : ReturnedInventory.read(source.against, siteKeys);
        PlanningInventory base =
            PlanningInventory.of(
                returned.inventory(),
                producer,
                ledger.records(returned.inventory().siteId(), producer),
                assumeDelivered);
        ArchiveExporter exporter = new ArchiveExporter(store, zstdLevel, Progress.ON_TERMINAL);
        DeltaPlan plan = exporter.plan(base.inventory(), tags);
        if (plan.isEmpty()) {
          run = new ExportRun(returned, base, null, ledgerPath, 0);
        } else {
          long sequence =
              ledger.nextSequence(
                  producer,
                  store
                      .meta(ArchiveExporter.SEQUENCE_KEY_PREFIX + producer)
                      .map(v -> OptionalLong.of(Long.parseLong(v)))
                      .orElse(OptionalLong.empty()));
          ArchiveExporter.Result r =
              exporter.export(
                  plan,
                  returned.inventory().siteId(),
                  returned.digest(),
                  signing,
                  producer,
                  sequence,
                  clock.instant(),
                  validity,
                  outDir,
                  volume);
          record(ledger, r, base);
          run = new ExportRun(returned, base, r, ledgerPath, resent(base, r));
        }
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (json) {
      JsonOutput.print(out, summary(run, seconds));
      return 0;
    }
    ExportText.print(out, run);
    return 0;
  }

  /**
   * What one export run did.
   *
   * @param returned the inventory it started from
   * @param base that inventory corrected by the ledger
   * @param result the archive written, or null when the site lacked nothing
   * @param ledger the ledger folder
   * @param resent entries sent again because a reflected archive's content is missing at the site
   */
  record ExportRun(
      ReturnedInventory returned,
      PlanningInventory base,
      ArchiveExporter.Result result,
      Path ledger,
      long resent) {}

  private static TrustPolicy loadTrust(Path file) throws java.io.IOException {
    try {
      return TrustPolicy.load(file);
    } catch (NoSuchFileException e) {
      throw new CliException(
          "Tried to read the site trust file " + file + " but there is no such file");
    }
  }

  /** Records the archive in the ledger; if that fails, removes the archive (never sent unseen). */
  private static void record(ExportLedger ledger, ArchiveExporter.Result r, PlanningInventory base)
      throws java.io.IOException {
    try {
      ledger.record(
          LedgerRecord.of(
              r.statement(),
              base.watermark(),
              r.files().stream().map(f -> f.getFileName().toString()).toList()));
    } catch (java.io.IOException | RuntimeException e) {
      for (Path f : r.files()) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(ChecksumFile.forFile(r.files().get(0)));
      throw new CliException(
          "Tried to record archive sequence "
              + r.statement().sequence()
              + " in the export ledger "
              + ledger.path()
              + " but failed because: "
              + e.getMessage()
              + " (the archive was removed; fix the ledger folder and export again)",
          e);
    }
  }

  /** The entries of the archive that reflected archives carried but the site lacks. */
  private static long resent(PlanningInventory base, ArchiveExporter.Result r) {
    java.util.Set<Digest> lost = new java.util.HashSet<>();
    base.lost().forEach(l -> lost.add(l.entry().digest()));
    return r.statement().entries().stream().filter(e -> lost.contains(e.digest())).count();
  }

  /** The JSON summary: counts, bytes before and after compression, time, files. */
  static Map<String, Object> summary(ExportRun run, double seconds) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", run.result() == null ? "nothing-to-export" : "written");
    m.put("inventory", run.returned().file().toString());
    m.put("inventoryDigest", run.returned().digest().toString());
    m.put("inventorySignedBy", run.returned().signedBy().stream().map(Object::toString).toList());
    m.put("watermark", run.base().watermark());
    m.put("assumedDelivered", run.base().inFlight().stream().map(LedgerRecord::sequence).toList());
    m.put("lostAtSite", run.base().lost().size());
    m.put("resent", run.resent());
    m.put("ledger", run.ledger().toString());
    ArchiveExporter.Result r = run.result();
    if (r == null) {
      m.put("seconds", Math.round(seconds * 1000) / 1000.0);
      return m;
    }
    ArchiveStatement s = r.statement();
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
