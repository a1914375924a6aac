package io.gapsync.daemon.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Range and Content-Range headers. */
class ByteRangeTest {

  @Test
  void requestRangesResolveAgainstTheSize() {
    assertThat(ByteRange.ofRequest("bytes=0-9", 100)).isEqualTo(new ByteRange(0, 9));
    assertThat(ByteRange.ofRequest("bytes=90-", 100)).isEqualTo(new ByteRange(90, 99));
    assertThat(ByteRange.ofRequest("bytes=90-500", 100)).isEqualTo(new ByteRange(90, 99));
    assertThat(ByteRange.ofRequest("bytes=-5", 100)).isEqualTo(new ByteRange(95, 99));
    assertThat(ByteRange.ofRequest("bytes=-500", 100)).isEqualTo(new ByteRange(0, 99));
  }

  @Test
  void absentOrUnhonouredRangesServeTheWholeBlob() {
    assertThat(ByteRange.ofRequest(null, 100)).isNull();
    assertThat(ByteRange.ofRequest("bytes=0-1,5-6", 100)).isNull();
    assertThat(ByteRange.ofRequest("items=0-1", 100)).isNull();
  }

  @Test
  void rangesOutsideTheBlobAre416() {
    for (String h : new String[] {"bytes=100-", "bytes=100-200", "bytes=5-4", "bytes=-0"}) {
      assertThatThrownBy(() -> ByteRange.ofRequest(h, 100))
          .as(h)
          .isInstanceOfSatisfying(
              RegistryException.class, e -> assertThat(e.status().code()).isEqualTo(416));
    }
  }

  @Test
  void uploadContentRangeAcceptsBothForms() {
    assertThat(ByteRange.ofUploadChunk("0-99")).isEqualTo(new ByteRange(0, 99));
    assertThat(ByteRange.ofUploadChunk("bytes 100-199/*")).isEqualTo(new ByteRange(100, 199));
    assertThat(ByteRange.ofUploadChunk(null)).isNull();
    assertThatThrownBy(() -> ByteRange.ofUploadChunk("9-1"))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.BLOB_UPLOAD_INVALID));
  }
}
