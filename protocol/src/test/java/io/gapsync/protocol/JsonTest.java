package io.gapsync.protocol;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Messages about malformed JSON name the problem and where it is, nothing of Jackson's. */
class JsonTest {

  @Test
  void malformedJsonMessageGivesLineAndColumnWithoutParserBoilerplate() {
    byte[] bad = "{\n  \"a\": [1, 2,,]\n}".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> Json.parseTree(bad, 1024, "index.json of oci:/x"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageStartingWith("Tried to read index.json of oci:/x but it is not valid JSON: ")
        .hasMessageContaining("at line 2, column")
        .hasMessageNotContaining("REDACTED")
        .hasMessageNotContaining("Source:")
        .satisfies(
            e ->
                org.assertj.core.api.Assertions.assertThat(((ProtocolException) e).code())
                    .isEqualTo(ProtocolException.Code.JSON_INVALID));
  }

  @Test
  void truncatedJsonIsRefusedWithTheSameShape() {
    byte[] bad = "{\"a\": [1, 2".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> Json.parseTree(bad, 1024, "manifest"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageStartingWith("Tried to read manifest but it is not valid JSON: ")
        .hasMessageNotContaining("REDACTED");
  }
}
