package io.gapsync.protocol.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.Digest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The statement's canonical bytes and its hostile-input parser. */
class ArchiveStatementTest {

  private static String json(ArchiveStatement s) {
    return new String(s.toBytes(), StandardCharsets.UTF_8);
  }

  private static ArchiveStatement parse(String json) {
    return ArchiveStatement.parse(json.getBytes(StandardCharsets.UTF_8), "test.gsa");
  }

  @Test
  void canonicalBytesAreStableAndRoundTrip() throws Exception {
    ArchiveStatement s = ArchiveFixture.standard(1).statement();

    byte[] bytes = s.toBytes();

    assertThat(ArchiveFixture.standard(1).statement().toBytes()).isEqualTo(bytes);
    assertThat(ArchiveStatement.parse(bytes, "x")).isEqualTo(s);
    assertThat(ArchiveStatement.parse(bytes, "x").toBytes()).isEqualTo(bytes);
    assertThat(json(s))
        .startsWith(
            "{\"format\":\"gapsync.archive\",\"formatVersion\":1,\"producerId\":\"depot-1\",")
        .contains("\"against\":{\"siteId\":\"site-a\",\"inventory\":\"sha256:")
        .contains("\"from\":null")
        .doesNotContain(" ")
        .doesNotContain("\n");
  }

  @Test
  void encodingsFollowTheMediaTypeOrTheSample() throws Exception {
    List<ArchiveEntry> e = ArchiveFixture.standard(1).entries;
    assertThat(e)
        .extracting(ArchiveEntry::encoding)
        .containsExactly("identity", "zstd", "zstd", "identity", "identity", "zstd");
    assertThat(e.get(1).storedSize()).isLessThan(e.get(1).size() / 2);
  }

  @Test
  void parseRefusesAnUnknownEncodingByName() throws Exception {
    String j =
        json(ArchiveFixture.standard(1).statement())
            .replaceFirst("\"encoding\":\"zstd\"", "\"encoding\":\"zstd-patch\"");
    assertThatThrownBy(() -> parse(j))
        .isInstanceOf(ArchiveException.class)
        .hasMessageContaining("uses encoding 'zstd-patch', which this gapsync does not understand")
        .hasMessageContaining("upgrade gapsync")
        .extracting(x -> ((ArchiveException) x).reason())
        .isEqualTo(ArchiveException.Reason.ENCODING_UNSUPPORTED);
  }

  @Test
  void parseRefusesABaseOnAVersionOneEncoding() throws Exception {
    String j =
        json(ArchiveFixture.standard(1).statement())
            .replaceFirst(
                "\"storedSize\"", "\"base\":\"" + Digest.sha256Of("b") + "\",\"storedSize\"");
    assertThatThrownBy(() -> parse(j))
        .isInstanceOf(ArchiveException.class)
        .hasMessageContaining("has a base");
  }

  @Test
  void parseRefusesANewerFormatVersionNamingBoth() throws Exception {
    String j =
        json(ArchiveFixture.standard(1).statement())
            .replace("\"formatVersion\":1", "\"formatVersion\":2");
    assertThatThrownBy(() -> parse(j))
        .isInstanceOf(ArchiveException.class)
        .hasMessageContaining(
            "format version 2 is not the version this gapsync reads (1): upgrade gapsync");
  }

  @Test
  void parseRefusesUnknownFieldsDuplicateKeysAndBadDigests() throws Exception {
    String j = json(ArchiveFixture.standard(1).statement());
    assertThatThrownBy(() -> parse(j.replaceFirst("\\{\"format\"", "{\"extra\":1,\"format\"")))
        .hasMessageContaining("unknown field 'extra'");
    assertThatThrownBy(() -> parse(j.replaceFirst("\\{\"format\"", "{\"sequence\":1,\"format\"")))
        .isInstanceOf(ArchiveException.class)
        .hasMessageContaining("uplicate");
    assertThatThrownBy(() -> parse(j.replaceFirst("\"digest\":\"sha256:", "\"digest\":\"sha256:Z")))
        .isInstanceOf(ArchiveException.class)
        .hasMessageContaining("entries[0].digest");
  }

  @Test
  void statementRefusesAnExpiryBeforeCreation() {
    assertThatThrownBy(
            () ->
                new ArchiveStatement(
                    1,
                    "p",
                    "0123456789abcdef0123456789abcdef",
                    1,
                    "s",
                    Digest.sha256Of("i"),
                    ArchiveFixture.EXPIRES,
                    ArchiveFixture.CREATED,
                    List.of(),
                    List.of(),
                    List.of()))
        .isInstanceOf(ArchiveException.class)
        .hasMessageContaining("is not after createdAt");
  }
}
