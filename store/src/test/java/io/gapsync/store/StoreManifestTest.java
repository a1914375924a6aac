package io.gapsync.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Manifest;
import io.gapsync.protocol.MediaTypes;
import io.gapsync.protocol.ProtocolException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreManifestTest {

  @TempDir Path tmp;
  private Store store;
  private final byte[] config = Fixtures.utf8("{\"os\":\"linux\"}");
  private final byte[] layer = Fixtures.random(1, 2 * Fixtures.CHUNK + 9);

  @BeforeEach
  void open() {
    store = Fixtures.open(tmp);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void putManifestStoresImageWhoseBlobsArePresent() {
    Fixtures.put(store, config);
    Fixtures.put(store, layer);
    byte[] bytes = Fixtures.image(config, List.of(layer));

    PutResult r = store.putManifest(bytes, MediaTypes.OCI_MANIFEST);

    assertThat(r).isEqualTo(new PutResult(Digest.sha256Of(bytes), bytes.length, true));
    assertThat(store.hasManifest(r.digest())).isTrue();
    assertThat(store.manifestInfo(r.digest()))
        .contains(new ManifestInfo(r.digest(), MediaTypes.OCI_MANIFEST, bytes.length));
    assertThat(store.fsck().ok()).isTrue();
  }

  @Test
  void putManifestRefusesMissingReferencesNamingEach() {
    Fixtures.put(store, config);
    byte[] otherLayer = Fixtures.random(2, 10);
    byte[] bytes = Fixtures.image(config, List.of(layer, otherLayer));

    assertThatThrownBy(() -> store.putManifest(bytes, MediaTypes.OCI_MANIFEST))
        .isInstanceOf(StoreException.class)
        .satisfies(
            e ->
                assertThat(((StoreException) e).code())
                    .isEqualTo(StoreException.Code.MANIFEST_REFERENCE_UNKNOWN))
        .hasMessageContaining("Tried to store manifest " + Digest.sha256Of(bytes))
        .hasMessageContaining("blob " + Digest.sha256Of(layer))
        .hasMessageContaining("blob " + Digest.sha256Of(otherLayer))
        .hasMessageNotContaining("blob " + Digest.sha256Of(config));
    assertThat(store.hasManifest(Digest.sha256Of(bytes))).isFalse();
    assertThat(store.referencedBy(Digest.sha256Of(config))).isEmpty();
  }

  @Test
  void putManifestRefusesBlobReferenceWithWrongSize() {
    Fixtures.put(store, config);
    Fixtures.put(store, layer);
    byte[] bytes =
        Fixtures.utf8(
            "{\"schemaVersion\":2,\"mediaType\":\""
                + MediaTypes.OCI_MANIFEST
                + "\",\"config\":"
                + Fixtures.descriptor(MediaTypes.OCI_CONFIG, Digest.sha256Of(config), config.length)
                + ",\"layers\":["
                + Fixtures.descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256Of(layer), 5)
                + "]}");

    assertThatThrownBy(() -> store.putManifest(bytes, MediaTypes.OCI_MANIFEST))
        .isInstanceOf(StoreException.class)
        .satisfies(
            e ->
                assertThat(((StoreException) e).code())
                    .isEqualTo(StoreException.Code.MANIFEST_REFERENCE_UNKNOWN))
        .hasMessageContaining(
            Digest.sha256Of(layer) + " (" + MediaTypes.OCI_LAYER_GZIP + ") of 5 bytes")
        .hasMessageContaining("stored blob has " + layer.length);
  }

  @Test
  void putManifestRefusesInvalidBytes() {
    assertThatThrownBy(() -> store.putManifest(Fixtures.utf8("{\"schemaVersion\":1}"), null))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void putIndexNeedsItsChildrenStored() {
    byte[] child = Fixtures.storeImage(store, 3, null);
    byte[] missingChild = Fixtures.image(config, List.of());
    byte[] index = Fixtures.index(List.of(child, missingChild));

    assertThatThrownBy(() -> store.putManifest(index, MediaTypes.OCI_INDEX))
        .isInstanceOf(StoreException.class)
        .satisfies(
            e ->
                assertThat(((StoreException) e).code())
                    .isEqualTo(StoreException.Code.MANIFEST_REFERENCE_UNKNOWN))
        .hasMessageContaining("manifest " + Digest.sha256Of(missingChild))
        .hasMessageNotContaining("manifest " + Digest.sha256Of(child) + " ");

    Fixtures.put(store, config);
    store.putManifest(missingChild, MediaTypes.OCI_MANIFEST);
    PutResult r = store.putManifest(index, MediaTypes.OCI_INDEX);
    assertThat(r.created()).isTrue();
    assertThat(store.manifest(r.digest()).orElseThrow().isIndex()).isTrue();
    assertThat(store.referencedBy(Digest.sha256Of(child))).containsExactly(r.digest());
  }

  @Test
  void indexMayListAnArtifactBlobThatGcKeeps() {
    byte[] child = Fixtures.storeImage(store, 9, null);
    byte[] sbom = Fixtures.utf8("{\"spdxVersion\":\"SPDX-2.3\"}");
    Fixtures.put(store, sbom);
    byte[] index =
        Fixtures.utf8(
            "{\"schemaVersion\":2,\"mediaType\":\""
                + MediaTypes.OCI_INDEX
                + "\",\"manifests\":["
                + Fixtures.descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256Of(child), child.length)
                + ","
                + Fixtures.descriptor("application/spdx+json", Digest.sha256Of(sbom), sbom.length)
                + "]}");

    Digest d = store.putManifest(index, MediaTypes.OCI_INDEX).digest();
    store.tag("app", "v1", d);
    GcReport r = store.gc();

    assertThat(r.blobsRemoved()).isZero();
    assertThat(store.hasBlob(Digest.sha256Of(sbom))).isTrue();
    assertThat(store.fsck().ok()).isTrue();
  }

  @Test
  void manifestComesBackByteIdentical() {
    Fixtures.put(store, config);
    Fixtures.put(store, layer);
    String odd =
        "{  \"layers\" : [ "
            + Fixtures.descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256Of(layer), layer.length)
            + " ],\n\t\"config\":"
            + Fixtures.descriptor(MediaTypes.OCI_CONFIG, Digest.sha256Of(config), config.length)
            + ",\r\n \"mediaType\":\""
            + MediaTypes.OCI_MANIFEST
            + "\", \"schemaVersion\" : 2 ,"
            + "\"annotations\":{\"z\":\"\\u00e9\",\"a\":\"x\"}}\n\n";
    byte[] bytes = Fixtures.utf8(odd);

    PutResult r = store.putManifest(bytes, null);

    Manifest m = store.manifest(r.digest()).orElseThrow();
    assertThat(m.bytes()).isEqualTo(bytes);
    assertThat(m.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(r.digest()).isEqualTo(Digest.sha256Of(bytes));
  }

  @Test
  void putManifestIsIdempotent() {
    byte[] bytes = Fixtures.storeImage(store, 4, null);

    PutResult again = store.putManifest(bytes, MediaTypes.OCI_MANIFEST);

    assertThat(again).isEqualTo(new PutResult(Digest.sha256Of(bytes), bytes.length, false));
    assertThat(store.stats().manifests()).isEqualTo(1);
  }

  @Test
  void referencedByListsEveryManifestUsingABlob() {
    byte[] shared = Fixtures.random(99, 50);
    byte[] a = Fixtures.storeImage(store, 5, shared);
    byte[] b = Fixtures.storeImage(store, 6, shared);

    List<Digest> users = store.referencedBy(Digest.sha256Of(shared));

    assertThat(users).containsExactlyInAnyOrder(Digest.sha256Of(a), Digest.sha256Of(b));
    assertThat(store.referencedBy(Digests.ABSENT)).isEmpty();
  }

  @Test
  void referrersWorkEvenWhenSubjectArrivesLater() {
    byte[] subject = Fixtures.image(config, List.of(layer));
    byte[] signature = Fixtures.referrer(store, subject, "one");

    PutResult sig = store.putManifest(signature, MediaTypes.OCI_MANIFEST);

    assertThat(store.hasManifest(Digest.sha256Of(subject))).isFalse();
    assertThat(store.referrers(Digest.sha256Of(subject)))
        .containsExactly(
            new Referrer(
                sig.digest(),
                MediaTypes.OCI_MANIFEST,
                "application/vnd.dev.sigstore.bundle.v0.3+json",
                signature.length));
    Fixtures.put(store, config);
    Fixtures.put(store, layer);
    store.putManifest(subject, MediaTypes.OCI_MANIFEST);
    assertThat(store.referrers(Digest.sha256Of(subject)))
        .extracting(Referrer::digest)
        .containsExactly(sig.digest());
    assertThat(store.referrers(sig.digest())).isEmpty();
  }

  @Test
  void forEachManifestVisitsAll() {
    byte[] a = Fixtures.storeImage(store, 7, null);
    byte[] b = Fixtures.storeImage(store, 8, null);
    java.util.List<ManifestInfo> seen = new java.util.ArrayList<>();

    store.forEachManifest(seen::add);

    assertThat(seen)
        .extracting(ManifestInfo::digest)
        .containsExactlyInAnyOrder(Digest.sha256Of(a), Digest.sha256Of(b));
    assertThat(store.stats().manifestBytes()).isEqualTo(a.length + b.length);
  }
}
