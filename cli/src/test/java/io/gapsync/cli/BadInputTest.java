package io.gapsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile and broken sources through the real CLI. Each must fail with exit code 1 (2 for usage
 * errors) and one line on standard error that names the file or entry and what is wrong, and must
 * leave the store exactly as it was: same tags, manifests and blobs, and a clean fsck.
 *
 * <p>Valid inputs are the demo's image written out once per class with {@code gapsync get} (an OCI
 * layout and an oci-archive); each case copies them and breaks one thing.
 */
class BadInputTest {

  /** The ref name the valid layout gives its one image. */
  private static final String REF = "1.0";

  @TempDir static Path shared;
  private static Path layout;
  private static Path archive;

  @TempDir Path tmp;
  private Path store;
  private StoreSnapshot before;

  @BeforeAll
  static void validInputs() {
    Path demo = shared.resolve("demo");
    CliRun r = CliRun.run("demo", "--work", demo.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    Path connected = demo.resolve("connected");
    layout = shared.resolve("layout");
    archive = shared.resolve("app.tar");
    for (String dest : List.of("oci:" + layout, "oci-archive:" + archive)) {
      CliRun get = CliRun.withStore(connected, "get", "demo/app:" + REF, dest);
      assertThat(get.exitCode()).as(get.toString()).isZero();
    }
  }

  @BeforeEach
  void seedStore() throws IOException {
    store = tmp.resolve("store");
    Path note = Files.writeString(tmp.resolve("note.txt"), "already here\n");
    CliRun add = CliRun.withStore(store, "add", "file:" + note, "--as", "notes/note:1");
    assertThat(add.exitCode()).as(add.toString()).isZero();
    before = StoreSnapshot.of(store);
  }

  // ------------------------------------------------------------------ the cases

  /**
   * A source to add and what the one-line error must mention.
   *
   * @param source the SRC argument
   * @param mentions substrings the message must contain: the file or entry, and what is wrong
   */
  record Hostile(String source, List<String> mentions) {
    static Hostile of(String source, String... mentions) {
      return new Hostile(source, List.of(mentions));
    }
  }

  /** Builds a hostile source in an empty folder of its own. */
  @FunctionalInterface
  interface Maker {
    Hostile make(Path dir) throws Exception;
  }

  static Stream<Arguments> hostileSources() {
    return Stream.of(
        hostile("truncated oci-archive", BadInputTest::truncatedArchive),
        hostile("empty oci-archive", d -> notATar(d, "", "it holds no tar entries")),
        hostile("short text as oci-archive", d -> notATar(d, "text\n", "it holds no tar entries")),
        hostile(
            "long text as oci-archive",
            d -> notATar(d, "text\n".repeat(500), "not a readable tar")),
        hostile("oci-archive read as a docker-archive", d -> ociArchiveAsDockerArchive()),
        hostile("oci-archive entry ../evil", d -> archiveWithEntry(d, "../evil", "'..' component")),
        hostile("oci-archive entry /etc/x", d -> archiveWithEntry(d, "/etc/x", "absolute path")),
        hostile("oci-archive blob not matching its digest", BadInputTest::archiveWithWrongBlob),
        hostile("layout with a symlinked blob", BadInputTest::layoutWithSymlinkedBlob),
        hostile("layout with a symlinked blobs/sha256", BadInputTest::layoutWithSymlinkedBlobDir),
        hostile("layout missing a blob", BadInputTest::layoutMissingBlob),
        hostile(
            "index.json malformed", d -> layoutWithIndex(d, "{\"manifests\":[", "not valid JSON")),
        hostile("index.json with duplicate keys", BadInputTest::indexWithDuplicateKeys),
        hostile("manifest over 4 MiB", BadInputTest::oversizedManifest),
        hostile("index.json entry of an unknown media type", BadInputTest::unknownMediaTypeEntry),
        hostile("manifest of an unknown media type", BadInputTest::unknownMediaTypeManifest),
        hostile("schema 1 manifest", BadInputTest::schemaVersion1),
        hostile("docker-archive layer not matching diff_ids", d -> dockerArchive(d, false)),
        hostile("oci: of a missing folder", d -> missing(d, "oci:")),
        hostile("oci-archive: of a missing file", d -> missing(d, "oci-archive:")),
        hostile("docker-archive: of a missing file", d -> missing(d, "docker-archive:")),
        hostile("file: of a missing file", d -> missing(d, "file:")),
        hostile("file: of a folder", d -> Hostile.of("file:" + d, d.toString(), "it is a folder")),
        hostile("file: of a symbolic link", BadInputTest::fileSymlink),
        hostile(
            "oci-archive: of a folder", d -> Hostile.of("oci-archive:" + d, d + " is a directory")),
        hostile("oci: of a file", BadInputTest::layoutThatIsAFile),
        hostile("oci:DIR:REF with an unknown REF", d -> unknownRef("oci:" + layout)),
        hostile(
            "oci-archive:FILE:REF with an unknown REF", d -> unknownRef("oci-archive:" + archive)));
  }

  private static Arguments hostile(String name, Maker maker) {
    return Arguments.of(name, maker);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileSources")
  void hostileSourceFailsWithOneLineAndLeavesTheStoreAsItWas(String name, Maker maker)
      throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("case"));
    Hostile h = maker.make(dir);

    CliRun r = CliRun.withStore(store, "add", h.source(), "--as", "x/app:1");

    assertFailedCleanly(r, 1);
    assertThat(r.err()).contains(h.mentions());
  }

  @Test
  void addWithoutASourceIsAUsageError() {
    CliRun r = CliRun.withStore(store, "add");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).startsWith("gapsync: Missing required parameter: 'SRC'");
    assertStoreAsBefore();
  }

  @Test
  void getToAnArchiveInAMissingFolderFailsAndLeavesNoFile() {
    Path missing = tmp.resolve("no/such/folder");
    Path target = missing.resolve("app.tar");

    CliRun r = CliRun.withStore(store, "get", "notes/note:1", "oci-archive:" + target);

    assertFailedCleanly(r, 1);
    assertThat(r.err()).contains("oci-archive:" + target).contains(missing + " does not exist");
    assertThat(tmp.resolve("no")).doesNotExist();
  }

  @Test
  void controlArchiveRebuiltFromTheLayoutIsAccepted() throws Exception {
    // The hostile archives are built the same way: only their defect makes them fail.
    Path file = tar(tmp.resolve("ok.tar"), files(layout));

    CliRun r = CliRun.withStore(store, "add", "oci-archive:" + file + ":" + REF, "--as", "x/app:1");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(CliRun.withStore(store, "fsck").exitCode()).isZero();
  }

  @Test
  void controlDockerArchiveWithMatchingDiffIdsIsAccepted() throws Exception {
    Hostile h = dockerArchive(Files.createDirectory(tmp.resolve("d")), true);

    CliRun r = CliRun.withStore(store, "add", h.source(), "--as", "x/app:1");

    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  private void assertFailedCleanly(CliRun r, int exitCode) {
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(exitCode);
    assertThat(r.out()).as(r.toString()).isEmpty();
    assertThat(r.err().lines()).as(r.toString()).hasSize(1);
    assertThat(r.err())
        .as(r.toString())
        .startsWith("gapsync: error: Tried to ")
        .doesNotContain("Exception");
    assertStoreAsBefore();
  }

  private void assertStoreAsBefore() {
    assertThat(StoreSnapshot.of(store)).isEqualTo(before);
    CliRun fsck = CliRun.withStore(store, "fsck");
    assertThat(fsck.exitCode()).as(fsck.toString()).isZero();
  }

  // ------------------------------------------------------------------ makers

  private static Hostile truncatedArchive(Path dir) throws IOException {
    byte[] bytes = Files.readAllBytes(archive);
    Path file =
        Files.write(dir.resolve("half.tar"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
    return Hostile.of("oci-archive:" + file, file.toString(), "truncated");
  }

  private static Hostile archiveWithEntry(Path dir, String entry, String why) throws IOException {
    Map<String, byte[]> entries = files(layout);
    entries.put(entry, "x".getBytes(StandardCharsets.UTF_8));
    Path file = tar(dir.resolve("evil.tar"), entries);
    return Hostile.of("oci-archive:" + file, "entry '" + entry + "'", "oci-archive:" + file, why);
  }

  private static Hostile archiveWithWrongBlob(Path dir) throws IOException {
    Map<String, byte[]> entries = files(layout);
    String layer = largestBlob(entries);
    byte[] bytes = entries.get(layer).clone();
    bytes[bytes.length / 2] ^= 0x55; // same size, other content
    entries.put(layer, bytes);
    Path file = tar(dir.resolve("wrong.tar"), entries);
    return Hostile.of(
        "oci-archive:" + file, "oci-archive:" + file, "sha256:" + name(layer), "hashes to");
  }

  private static Hostile layoutWithSymlinkedBlob(Path dir) throws IOException {
    Path copy = copyLayout(dir);
    String layer = largestBlob(files(copy));
    Path blob = copy.resolve(layer);
    Path outside = Files.move(blob, dir.resolve("outside"));
    Files.createSymbolicLink(blob, outside);
    return Hostile.of("oci:" + copy, blob.toString(), "is a symbolic link");
  }

  private static Hostile layoutWithSymlinkedBlobDir(Path dir) throws IOException {
    Path copy = copyLayout(dir);
    Path blobs = copy.resolve("blobs/sha256");
    Path outside = Files.move(blobs, dir.resolve("outside"));
    Files.createSymbolicLink(blobs, outside);
    return Hostile.of("oci:" + copy, "blobs/sha256 is a symbolic link", "oci:" + copy);
  }

  private static Hostile layoutMissingBlob(Path dir) throws IOException {
    Path copy = copyLayout(dir);
    String layer = largestBlob(files(copy));
    Files.delete(copy.resolve(layer));
    return Hostile.of(
        "oci:" + copy, "blob sha256:" + name(layer), "is missing from oci:" + copy, layer);
  }

  private static Hostile layoutWithIndex(Path dir, String indexJson, String why)
      throws IOException {
    Path copy = copyLayout(dir);
    Files.writeString(copy.resolve("index.json"), indexJson);
    return Hostile.of("oci:" + copy, "index.json of oci:" + copy, why);
  }

  private static Hostile oversizedManifest(Path dir) throws IOException {
    Path copy = copyLayout(dir);
    byte[] big = new byte[4 * 1024 * 1024 + 1];
    java.util.Arrays.fill(big, (byte) ' ');
    big[0] = '{';
    big[big.length - 1] = '}';
    Digest d = listOnly(copy, MediaTypes.OCI_MANIFEST, big);
    return Hostile.of(
        "oci:" + copy, "manifest " + d, "oci:" + copy, "over the limit of " + (4 * 1024 * 1024));
  }

  private static Hostile unknownMediaTypeEntry(Path dir) throws IOException {
    Path copy = copyLayout(dir);
    byte[] doc = utf8("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.example+json\"}");
    Digest d = listOnly(copy, "application/vnd.example+json", doc);
    return Hostile.of(
        "oci:" + copy,
        "index.json entry " + d,
        "'application/vnd.example+json'",
        "is not an image manifest or index");
  }

  private static Hostile unknownMediaTypeManifest(Path dir) throws IOException {
    Path copy = copyLayout(dir);
    byte[] doc =
        utf8("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.example+json\",\"config\":{}}");
    Digest d = listOnly(copy, MediaTypes.OCI_MANIFEST, doc);
    return Hostile.of(
        "oci:" + copy, "manifest " + d, "oci:" + copy, "'application/vnd.example+json'");
  }

  private static Hostile schemaVersion1(Path dir) throws IOException {
    Path copy = copyLayout(dir);
    byte[] doc =
        utf8(
            "{\"schemaVersion\":1,\"name\":\"x/app\",\"tag\":\"1.0\",\"fsLayers\":[],\"history\":[]}");
    Digest d = listOnly(copy, MediaTypes.OCI_MANIFEST, doc);
    return Hostile.of("oci:" + copy, "manifest " + d, "oci:" + copy, "schemaVersion must be 2");
  }

  /** A docker-archive of one uncompressed layer, whose config's diff_id matches it or not. */
  private static Hostile dockerArchive(Path dir, boolean matching) throws IOException {
    byte[] layer = tarBytes(Map.of("hello.txt", utf8("hello\n")));
    Digest diffId =
        matching ? Digest.sha256Of(layer) : Digest.sha256Of(tarBytes(Map.of("x", utf8("x"))));
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put(
        "cfg.json",
        utf8(
            "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":"
                + "{\"type\":\"layers\",\"diff_ids\":[\""
                + diffId
                + "\"]}}"));
    entries.put("0123/layer.tar", layer);
    entries.put(
        "manifest.json",
        utf8(
            "[{\"Config\":\"cfg.json\",\"RepoTags\":[\"x/app:1\"],\"Layers\":[\"0123/layer.tar\"]}]"));
    Path file = tar(dir.resolve("docker.tar"), entries);
    return Hostile.of(
        "docker-archive:" + file,
        "docker-archive:" + file,
        "layer 0 (0123/layer.tar)",
        "rootfs.diff_ids[0] is " + diffId);
  }

  private static Hostile ociArchiveAsDockerArchive() {
    return Hostile.of(
        "docker-archive:" + archive, "docker-archive:" + archive, "it has no manifest.json");
  }

  private static Hostile indexWithDuplicateKeys(Path dir) throws IOException {
    return layoutWithIndex(
        dir,
        "{\"schemaVersion\":2,\"schemaVersion\":2,\"manifests\":[]}",
        "Duplicate field 'schemaVersion'");
  }

  private static Hostile layoutThatIsAFile(Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("f"), "x");
    return Hostile.of("oci:" + file, file + " is not a directory");
  }

  /** The valid layout or archive with a REF it does not hold: the message lists what it holds. */
  private static Hostile unknownRef(String transportAndPath) {
    return Hostile.of(
        transportAndPath + ":9.9",
        "the image named '9.9' in " + transportAndPath + ":9.9",
        "index.json lists only " + REF,
        "use one of the listed names");
  }

  private static Hostile notATar(Path dir, String content, String why) throws IOException {
    Path file = Files.writeString(dir.resolve("notes.tar"), content);
    return Hostile.of("oci-archive:" + file, file.toString(), why);
  }

  private static Hostile missing(Path dir, String transport) {
    Path path = dir.resolve("no-such-thing");
    return Hostile.of(transport + path, path + " does not exist");
  }

  private static Hostile fileSymlink(Path dir) throws IOException {
    Path target = Files.writeString(dir.resolve("real.txt"), "content\n");
    Path link = Files.createSymbolicLink(dir.resolve("link.txt"), target);
    return Hostile.of("file:" + link, link.toString(), "symbolic link");
  }

  // ------------------------------------------------------------------ helpers

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Copies the valid layout into {@code dir/layout}. */
  private static Path copyLayout(Path dir) throws IOException {
    Path copy = dir.resolve("layout");
    for (Map.Entry<String, byte[]> e : files(layout).entrySet()) {
      Path p = copy.resolve(e.getKey());
      Files.createDirectories(p.getParent());
      Files.write(p, e.getValue());
    }
    return copy;
  }

  /** Returns a layout's regular files by relative name, in a stable order. */
  private static Map<String, byte[]> files(Path root) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
        out.put(root.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
      }
    }
    return out;
  }

  /** Returns the name of the largest blob: the demo's base layer. */
  private static String largestBlob(Map<String, byte[]> files) {
    return files.entrySet().stream()
        .filter(e -> e.getKey().startsWith("blobs/"))
        .max(Comparator.comparingInt(e -> e.getValue().length))
        .orElseThrow()
        .getKey();
  }

  private static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** Writes a document as a blob of a layout and makes index.json list only it, as {@link #REF}. */
  private static Digest listOnly(Path layoutDir, String mediaType, byte[] doc) throws IOException {
    Digest d = Digest.sha256Of(doc);
    Files.write(layoutDir.resolve("blobs/sha256").resolve(d.hex()), doc);
    Files.writeString(
        layoutDir.resolve("index.json"),
        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
            + mediaType
            + "\",\"digest\":\""
            + d
            + "\",\"size\":"
            + doc.length
            + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\""
            + REF
            + "\"}}]}");
    return d;
  }

  private static Path tar(Path file, Map<String, byte[]> entries) throws IOException {
    return Files.write(file, tarBytes(entries));
  }

  /** A tar of the entries, names kept exactly as given (absolute and {@code ..} names too). */
  private static byte[] tarBytes(Map<String, byte[]> entries) {
    var out = new java.io.ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Map.Entry<String, byte[]> e : new ArrayList<>(entries.entrySet())) {
        TarArchiveEntry entry = new TarArchiveEntry(e.getKey(), true);
        entry.setSize(e.getValue().length);
        entry.setModTime(FileTime.fromMillis(0));
        tar.putArchiveEntry(entry);
        tar.write(e.getValue());
        tar.closeArchiveEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
