package io.gapsync.protocol.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.trust.SigningKey;
import io.gapsync.protocol.trust.TrustPolicy;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Splitting an archive into volumes, reassembling them, and naming a damaged or missing one. */
class VolumeTest {

  @TempDir Path dir;

  private final SigningKey producer = ArchiveFixture.key(41);
  private ArchiveFixture fixture;
  private byte[] whole;
  private List<Path> files;

  @BeforeEach
  void writeSplitArchive() throws Exception {
    fixture = ArchiveFixture.standard(11);
    byte[] big = new byte[200_000];
    new Random(5).nextBytes(big);
    fixture.add(big, "application/vnd.oci.image.layer.v1.tar+gzip", EntryKind.BLOB);
    ArchiveStatement s = fixture.statement();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    fixture.writer.write(s, List.of(producer), b);
    whole = b.toByteArray();
    try (VolumeWriter out = new VolumeWriter(dir, "a.gsa", VolumeWriter.VOLUME_SIZE_MIN_BYTES)) {
      fixture.writer.write(s, List.of(producer), out);
      files = out.finish();
    }
  }

  @Test
  void volumesConcatenateToTheArchiveAndTheIndexListsTheirHashes() throws Exception {
    int n =
        (int)
            ((whole.length + VolumeWriter.VOLUME_SIZE_MIN_BYTES - 1)
                / VolumeWriter.VOLUME_SIZE_MIN_BYTES);
    assertThat(n).isGreaterThanOrEqualTo(4);
    assertThat(files).hasSize(n + 1);
    assertThat(files.get(0).getFileName().toString()).isEqualTo("a.gsa.vol001");
    assertThat(files.get(n).getFileName().toString()).isEqualTo("a.gsa.volumes.json");
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    for (Path p : files.subList(0, n)) {
      assertThat(Files.size(p)).isLessThanOrEqualTo(VolumeWriter.VOLUME_SIZE_MIN_BYTES);
      joined.write(Files.readAllBytes(p));
    }
    assertThat(joined.toByteArray()).isEqualTo(whole);
    VolumeIndex index = ArchiveFiles.readIndex(files.get(n));
    assertThat(index.totalSize()).isEqualTo(whole.length);
    assertThat(index.volumes().get(1).sha256())
        .isEqualTo(Digest.sha256Of(Files.readAllBytes(files.get(1))));
    try (var s = Files.list(dir)) {
      assertThat(s.filter(p -> p.toString().endsWith(".partial"))).isEmpty();
    }
  }

  @Test
  void anyVolumeOrTheIndexLocatesTheSameArchiveAndItReadsBack() throws Exception {
    List<ArchiveFiles.Located> located =
        ArchiveFiles.locate(List.of(files.get(2), files.get(0), files.get(files.size() - 1)));
    assertThat(located).hasSize(1);
    try (InputStream in = ArchiveFiles.open(located.get(0))) {
      ArchiveReader r =
          ArchiveReader.open(in, "a", TrustPolicy.of(producer.publicKey()), ArchiveFixture.NOW);
      int[] n = {0};
      r.readEntries((i, e, c) -> n[0]++);
      assertThat(n[0]).isEqualTo(fixture.entries.size());
    }
  }

  @Test
  void damagedVolumeIsNamedBeforeAnythingIsRead() throws Exception {
    byte[] v2 = Files.readAllBytes(files.get(1));
    v2[1000] ^= 1;
    Files.write(files.get(1), v2);
    assertThatThrownBy(
            () ->
                ArchiveFiles.open(ArchiveFiles.locate(List.of(files.get(files.size() - 1))).get(0)))
        .isInstanceOf(ArchiveException.class)
        .hasMessageContaining("a volume is damaged: a.gsa.vol002 (sha256 ")
        .hasMessageNotContaining("vol001")
        .extracting(e -> ((ArchiveException) e).reason())
        .isEqualTo(ArchiveException.Reason.VOLUME_DAMAGED);
  }

  @Test
  void missingAndShortVolumesAreNamed() throws Exception {
    Files.delete(files.get(2));
    Files.write(files.get(3), new byte[10]);
    assertThatThrownBy(() -> ArchiveFiles.open(ArchiveFiles.locate(List.of(files.get(0))).get(0)))
        .isInstanceOf(ArchiveException.class)
        .hasMessageContaining("volumes are missing")
        .hasMessageContaining("a.gsa.vol003")
        .hasMessageContaining("damaged: a.gsa.vol004 (10 bytes");
  }

  @Test
  void missingIndexIsNamed() throws Exception {
    Files.delete(files.get(files.size() - 1));
    assertThatThrownBy(() -> ArchiveFiles.open(ArchiveFiles.locate(List.of(files.get(0))).get(0)))
        .isInstanceOf(ArchiveException.class)
        .hasMessageContaining("a.gsa.volumes.json but there is no such file");
  }

  @Test
  void closingWithoutFinishLeavesNothingBehind() throws Exception {
    Path other = dir.resolve("other");
    try (VolumeWriter out = new VolumeWriter(other, "b.gsa", 0)) {
      out.write(new byte[1000]);
    }
    try (var s = Files.list(other)) {
      assertThat(s).isEmpty();
    }
  }
}
