package io.gapsync.protocol;

import static io.gapsync.protocol.InventoryFixtures.B1;
import static io.gapsync.protocol.InventoryFixtures.B2;
import static io.gapsync.protocol.InventoryFixtures.M1;
import static io.gapsync.protocol.InventoryFixtures.SMALL_JSON;
import static io.gapsync.protocol.InventoryFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Random;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class InventoryReaderTest {

  private static final String PREFIX =
      "Tried to read inventory from an input stream but failed because ";
  private static final String SHA512 = "sha512:" + "0".repeat(128);

  private final InventoryReader reader = new InventoryReader();

  @Test
  void readParsesTheGoldenDocument() throws IOException {
    assertThat(read(SMALL_JSON)).isEqualTo(InventoryFixtures.small());
  }

  @ParameterizedTest
  @CsvSource({"1, 0, 0", "2, 1, 1", "3, 100, 10", "4, 5000, 700"})
  void readRoundTripsWhatTheWriterWrote(long seed, int blobs, int manifests) throws IOException {
    Inventory inventory = InventoryFixtures.random(new Random(seed), blobs, manifests);
    byte[] bytes = InventoryWriter.toBytes(inventory);

    Inventory read = reader.read(new ByteArrayInputStream(bytes), "round trip");

    assertThat(read).isEqualTo(inventory);
    assertThat(InventoryWriter.toBytes(read)).isEqualTo(bytes);
  }

  @ParameterizedTest
  @CsvSource({"5, 0, 0", "6, 3, 2", "7, 20000, 3000"})
  void readCompactHoldsTheSameEntriesAsRead(long seed, int blobs, int manifests)
      throws IOException {
    Inventory inventory = InventoryFixtures.random(new Random(seed), blobs, manifests);
    byte[] bytes = InventoryWriter.toBytes(inventory);

    CompactInventory compact = reader.readCompact(new ByteArrayInputStream(bytes));

    assertThat(compact.header()).isEqualTo(inventory.header());
    assertThat(compact.blobs().size()).isEqualTo(blobs);
    assertThat(compact.manifests().size()).isEqualTo(manifests);
    for (int i = 0; i < blobs; i++) {
      assertThat(compact.blobs().digestAt(i)).isEqualTo(inventory.blobs().get(i).digest());
      assertThat(compact.blobs().sizeAt(i)).isEqualTo(inventory.blobs().get(i).size());
    }
    assertThat(InventoryDiff.compute(CompactInventory.of(inventory), compact).isEmpty()).isTrue();
  }

  @Test
  void readCompactKeepsTagsAndWatermarks() throws IOException {
    CompactInventory compact = reader.readCompact(new ByteArrayInputStream(utf8(SMALL_JSON)));

    assertThat(compact.siteId()).isEqualTo("site-a");
    assertThat(compact.tags()).isEqualTo(InventoryFixtures.small().tags());
    assertThat(compact.header().watermarks()).containsEntry("depot-1", 42L);
    assertThat(compact.manifests().contains(M1)).isTrue();
    assertThat(compact.blobs().sizeOf(B1)).isEqualTo(100);
  }

  @Test
  void readDoesNotCloseTheStream() throws IOException {
    boolean[] closed = {false};
    ByteArrayInputStream in =
        new ByteArrayInputStream(utf8(SMALL_JSON)) {
          @Override
          public void close() {
            closed[0] = true;
          }
        };

    reader.read(in);

    assertThat(closed[0]).isFalse();
  }

  @Test
  void readRefusesANewerFormatVersionNamingBoth() {
    assertRejected(SMALL_JSON.replace("\"formatVersion\": 1", "\"formatVersion\": 2"))
        .hasMessage(
            "Tried to read inventory from an input stream but failed because inventory format"
                + " version 2 is newer than this gapsync understands (1): upgrade gapsync");
  }

  @Test
  void readRefusesFormatVersionZero() {
    assertRejected(SMALL_JSON.replace("\"formatVersion\": 1", "\"formatVersion\": 0"))
        .hasMessage(
            PREFIX + "inventory format version 0 does not exist (this gapsync writes and reads 1)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"1\"", "1.0", "99999999999"})
  void readRejectsAFormatVersionThatIsNotAnInt(String version) {
    assertRejected(SMALL_JSON.replace("\"formatVersion\": 1", "\"formatVersion\": " + version))
        .hasMessageStartingWith(PREFIX + "formatVersion ");
  }

  @Test
  void readNamesTheSourceInMessages() {
    assertThatThrownBy(() -> reader.read(new ByteArrayInputStream(new byte[0]), "/tmp/site-a.json"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
        .hasMessage(
            "Tried to read inventory /tmp/site-a.json but failed because it is empty (line 1)");
  }

  @Test
  void readRejectsAnUnknownFormat() {
    assertRejected(SMALL_JSON.replace("gapsync.inventory", "gapsync.catalog"))
        .hasMessage(
            PREFIX
                + "it is not a gapsync inventory: 'format' is 'gapsync.catalog', expected"
                + " 'gapsync.inventory' (line 2)");
  }

  @Test
  void readRejectsOtherJsonDocuments() {
    assertRejected("{\"schemaVersion\": 2}")
        .hasMessage(
            PREFIX
                + "it is not a gapsync inventory: its first field is 'schemaVersion', not"
                + " 'format' (line 1)");
    assertRejected("[1, 2]")
        .hasMessageStartingWith(
            PREFIX + "it is not a gapsync inventory: it does not start with a JSON object");
  }

  @Test
  void readRejectsAnUnknownTopLevelField() {
    assertRejected(SMALL_JSON.replace("\"siteId\"", "\"comment\": \"hi\",\n  \"siteId\""))
        .hasMessage(PREFIX + "it has an unknown top-level field 'comment' (line 4)");
  }

  @Test
  void readRejectsAnUnknownFieldAfterBlobs() {
    String doc = SMALL_JSON.substring(0, SMALL_JSON.lastIndexOf('}')) + ",\"extra\": 1}\n";

    assertRejected(doc)
        .hasMessageStartingWith(PREFIX + "it has an unknown top-level field 'extra'");
  }

  @Test
  void readRejectsFieldsOutOfCanonicalOrder() {
    String doc =
        SMALL_JSON
            .replace("  \"siteId\": \"site-a\",\n", "")
            .replace(
                "\"createdAt\": \"2026-01-02T03:04:05Z\",",
                "\"createdAt\": \"2026-01-02T03:04:05Z\",\n  \"siteId\": \"site-a\",");

    assertRejected(doc)
        .hasMessage(
            PREFIX
                + "field 'createdAt' is out of order: expected 'siteId' (fields go in the order"
                + " format, formatVersion, siteId, createdAt, watermarks, tags, manifests, blobs)"
                + " (line 4)");
  }

  @Test
  void readRejectsAMissingLastField() {
    String doc = SMALL_JSON.substring(0, SMALL_JSON.indexOf(",\n  \"blobs\"")) + "\n}\n";

    assertRejected(doc).hasMessageStartingWith(PREFIX + "field 'blobs' is missing");
  }

  @Test
  void readRejectsDuplicateKeys() {
    assertRejected(SMALL_JSON.replace("\"depot-1\": 42", "\"depot-1\": 42, \"depot-1\": 43"))
        .hasMessageStartingWith(PREFIX + "it is not valid JSON: Duplicate field 'depot-1'");
  }

  @Test
  void readRejectsDuplicateKeysInsideAnEntry() {
    assertRejected(withBlobs("{\"digest\":\"" + B1 + "\",\"digest\":\"" + B1 + "\",\"size\":1}"))
        .hasMessageStartingWith(PREFIX + "it is not valid JSON: Duplicate field 'digest'");
  }

  @Test
  void readRejectsUnsortedBlobsNamingEntryAndLine() {
    String doc = withBlobs(blob(B2, 1), blob(B1, 1));
    int line = lineOf(doc, "\"" + B1 + "\"");

    assertRejected(doc)
        .hasMessage(
            PREFIX
                + "entry 2 of 'blobs' ("
                + B1
                + ") is not sorted after "
                + B2
                + ": the file is not a canonical gapsync inventory (line "
                + line
                + ")");
  }

  @Test
  void readRejectsDuplicateBlobs() {
    assertRejected(withBlobs(blob(B1, 1), blob(B1, 1)))
        .hasMessageStartingWith(
            PREFIX + "entry 2 of 'blobs' (" + B1 + ") is a duplicate of " + B1 + ":");
  }

  @Test
  void readAcceptsSha512AfterSha256AndRejectsTheReverse() throws IOException {
    assertThat(read(withBlobs(blob(B1, 1), "{\"digest\":\"" + SHA512 + "\",\"size\":2}")).blobs())
        .hasSize(2);

    assertRejected(withBlobs("{\"digest\":\"" + SHA512 + "\",\"size\":2}", blob(B1, 1)))
        .hasMessageStartingWith(
            PREFIX + "entry 2 of 'blobs' (" + B1 + ") is not sorted after " + SHA512);
  }

  @Test
  void readRejectsAnInvalidDigest() {
    String upper = "sha256:" + "A".repeat(64);

    assertRejected(withBlobs("{\"digest\":\"" + upper + "\",\"size\":1}"))
        .hasMessageStartingWith(
            PREFIX
                + "entry 1 of 'blobs' has an invalid digest: Invalid sha256 digest '"
                + "A".repeat(64)
                + "': expected 64 lowercase hex characters");
  }

  @ParameterizedTest
  @ValueSource(strings = {"md5:abc", "sha256:abc", "", "sha256-" + "a"})
  void readRejectsMalformedDigests(String digest) {
    assertRejected(withBlobs("{\"digest\":\"" + digest + "\",\"size\":1}"))
        .hasMessageStartingWith(PREFIX + "entry 1 of 'blobs' has an invalid digest");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "-1 | entry 1 of 'blobs': 'size' -1 is negative",
        "1.5 | entry 1 of 'blobs': 'size' must be a non-negative integer",
        "\"1\" | entry 1 of 'blobs': 'size' must be a non-negative integer",
        "9007199254740993 | entry 1 of 'blobs': 'size' 9007199254740993 is over 9007199254740992",
        "99999999999999999999 | entry 1 of 'blobs': 'size' 99999999999999999999 is out of range",
      })
  void readRejectsSizesThatAreNotNonNegativeIntegers(String size, String why) {
    assertRejected(withBlobs("{\"digest\":\"" + B1 + "\",\"size\":" + size + "}"))
        .hasMessageStartingWith(PREFIX + why);
  }

  @Test
  void readRejectsABlobWithAMediaType() {
    assertRejected(withBlobs("{\"digest\":\"" + B1 + "\",\"size\":1,\"mediaType\":\"a/b\"}"))
        .hasMessageStartingWith(PREFIX + "entry 1 of 'blobs' has an unexpected field 'mediaType'");
  }

  @Test
  void readRejectsEntryFieldsInAnotherOrder() {
    assertRejected(withBlobs("{\"size\":1,\"digest\":\"" + B1 + "\"}"))
        .hasMessageStartingWith(
            PREFIX + "entry 1 of 'blobs' has field 'size' where 'digest' was expected");
  }

  @Test
  void readRejectsAManifestWithoutMediaType() {
    String doc =
        SMALL_JSON.replace(",\"mediaType\":\"application/vnd.oci.image.index.v1+json\"", "");

    assertRejected(doc)
        .hasMessageStartingWith(
            PREFIX + "entry 2 of 'manifests' has no more fields where 'mediaType' was expected");
  }

  @Test
  void readRejectsANonObjectEntry() {
    assertRejected(withBlobs("\"" + B1 + "\""))
        .hasMessageStartingWith(PREFIX + "entry 1 of 'blobs' is not an object");
  }

  @Test
  void readRejectsATagWhoseManifestIsNotListed() {
    String doc =
        SMALL_JSON.replace("\"v3\": \"" + InventoryFixtures.M2 + "\"", "\"v3\": \"" + B1 + "\"");

    assertRejected(doc)
        .hasMessageStartingWith(
            PREFIX
                + "tag tools/helm:v3 points at manifest "
                + B1
                + ", which 'manifests' does not list");
  }

  @Test
  void readRejectsUnsortedTags() {
    String doc =
        SMALL_JSON.replace(
            "\"1.27\": \"" + M1 + "\",\n      \"latest\": \"" + M1 + "\"",
            "\"latest\": \"" + M1 + "\",\n      \"1.27\": \"" + M1 + "\"");

    assertRejected(doc)
        .hasMessageStartingWith(
            PREFIX + "key '1.27' in the tags of 'library/nginx' is not sorted after 'latest'");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"Library/nginx\": {\"1\": \"%s\"} | 'tags' names repository 'Library/nginx'",
        "\"app\": {\".x\": \"%s\"} | tag 'app:.x' does not match",
        "\"app\": {} | repository 'app' in 'tags' has no tags",
        "\"app\": {\"1\": \"sha256:x\"} | tag app:1 has an invalid digest: Invalid sha256 digest",
        "\"app\": [] | the tags of repository 'app' must be an object",
      })
  void readRejectsInvalidTags(String tags, String why) {
    String doc =
        SMALL_JSON.replaceFirst(
            "(?s)\"tags\": \\{.*?\n  },", "\"tags\": {" + tags.formatted(M1) + "},");

    assertRejected(doc).hasMessageStartingWith(PREFIX + why);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2026-01-02T03:04:05.5Z",
        "2026-01-02T03:04:05+01:00",
        "2026-13-02T03:04:05Z",
        "2026-01-02 03:04:05Z",
        "1969-12-31T23:59:59Z",
      })
  void readRejectsNonCanonicalCreationTimes(String createdAt) {
    assertRejected(SMALL_JSON.replace("2026-01-02T03:04:05Z", createdAt))
        .hasMessage(
            PREFIX
                + "'createdAt' is '"
                + createdAt
                + "', not a UTC time from 1970 on written"
                + " yyyy-MM-ddTHH:mm:ssZ (line 5)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "site a", "site/a"})
  void readRejectsInvalidSiteIds(String siteId) {
    assertRejected(SMALL_JSON.replace("\"site-a\"", "\"" + siteId + "\""))
        .hasMessageStartingWith(PREFIX + "its site id '" + siteId + "' does not match");
  }

  @Test
  void readRejectsNegativeWatermarks() {
    assertRejected(SMALL_JSON.replace("\"depot-1\": 42", "\"depot-1\": -1"))
        .hasMessageStartingWith(PREFIX + "the watermark of producer 'depot-1' -1 is negative");
  }

  @Test
  void readRejectsMoreEntriesThanTheLimit() {
    // One watermark, three tags, two manifests, three blobs: nine entries.
    InventoryReader limited = new InventoryReader(8);

    assertThatThrownBy(() -> limited.read(new ByteArrayInputStream(utf8(SMALL_JSON))))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID)
        .hasMessageStartingWith(
            PREFIX + "it has more than 8 entries, the limit this reader was configured with");
  }

  @Test
  void readAcceptsExactlyTheLimit() throws IOException {
    assertThat(new InventoryReader(9).read(new ByteArrayInputStream(utf8(SMALL_JSON))))
        .isEqualTo(InventoryFixtures.small());
  }

  @Test
  void constructorRejectsANonPositiveLimit() {
    assertThatThrownBy(() -> new InventoryReader(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxEntries must be positive, got 0");
  }

  @Test
  void readRejectsContentAfterTheDocument() {
    assertRejected(SMALL_JSON + "{}")
        .hasMessageStartingWith(PREFIX + "there is content after the document's closing brace");
  }

  @Test
  void readRejectsNestingBeyondTheFormat() {
    assertRejected(withBlobs("{\"digest\":{\"x\":{}},\"size\":1}"))
        .hasMessageStartingWith(PREFIX + "it exceeds a JSON limit:");
  }

  @Test
  void readRejectsEveryProperPrefixOfADocument() {
    // Only the final newline may go: it is whitespace after the closing brace.
    for (int length = 0; length < SMALL_JSON.length() - 1; length++) {
      String doc = SMALL_JSON.substring(0, length);
      assertRejected(doc).as("prefix of %d characters", length).hasMessageStartingWith(PREFIX);
    }
  }

  @Test
  void readRejectsTruncationWithATruncatedMessage() {
    assertRejected(SMALL_JSON.substring(0, SMALL_JSON.indexOf("\"blobs\"")))
        .hasMessageStartingWith(PREFIX + "it is truncated");
  }

  private Inventory read(String doc) throws IOException {
    return reader.read(new ByteArrayInputStream(utf8(doc)));
  }

  private AbstractThrowableAssert<?, ? extends Throwable> assertRejected(String doc) {
    return assertThatThrownBy(() -> read(doc))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.INVENTORY_INVALID);
  }

  private static String blob(Digest digest, long size) {
    return "{\"digest\":\"" + digest + "\",\"size\":" + size + "}";
  }

  /** Returns the golden document with its blobs replaced. */
  private static String withBlobs(String... entries) {
    int start = SMALL_JSON.indexOf("\"blobs\": [");
    return SMALL_JSON.substring(0, start)
        + "\"blobs\": [\n    "
        + String.join(",\n    ", entries)
        + "\n  ]\n}\n";
  }

  private static int lineOf(String doc, String needle) {
    return (int) doc.substring(0, doc.indexOf(needle)).chars().filter(c -> c == '\n').count() + 1;
  }
}
