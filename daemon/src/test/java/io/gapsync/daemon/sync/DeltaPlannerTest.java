package io.gapsync.daemon.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.CompactInventory;
import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.InventoryEntry;
import io.gapsync.protocol.MediaTypes;
import io.gapsync.store.Store;
import io.gapsync.store.TagInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layer-level delta between a real store (the connected side) and a site's inventory. Sites are
 * described by the inventory of a second real store, so what "the site holds" is always something a
 * store could hold.
 */
class DeltaPlannerTest {

  @TempDir Path tmp;
  private Store store;
  private Store site;

  @BeforeEach
  void open() {
    store = Images.open(tmp.resolve("connected"), "connected");
    site = Images.open(tmp.resolve("site"), "site-b");
  }

  @AfterEach
  void close() {
    store.close();
    site.close();
  }

  private DeltaPlan plan(CompactInventory against, TagInfo... tags) {
    return new DeltaPlanner(store).plan(against, List.of(tags));
  }

  private TagInfo tag(String repository, String tag) {
    return new TagInfo(repository, tag, store.resolveTag(repository, tag).orElseThrow());
  }

  @Test
  void againstAnEmptyInventoryEverythingIsMissing() {
    Images.Image app = Images.image(store, "base layer", "app layer");
    store.tag("apps/web", "1.0", app.manifest().digest());

    DeltaPlan p = plan(Images.emptyInventory("site-b"));

    assertThat(p.siteId()).isEqualTo("site-b");
    assertThat(p.manifests()).containsExactly(manifestEntry(app.manifest()));
    assertThat(p.blobs()).containsExactlyElementsOf(blobEntries(app.blobs()));
    assertThat(p.tags())
        .containsExactly(new DeltaPlan.TagUpdate("apps/web", "1.0", null, app.manifest().digest()));
    assertThat(p.blobBytes()).isEqualTo(Images.bytes(app.blobs()));
    assertThat(p.manifestBytes()).isEqualTo(app.manifest().size());
    assertThat(p.manifestsPresent()).isZero();
    assertThat(p.blobsPresent()).isZero();
    assertThat(p.bytesPresent()).isZero();
    assertThat(p.isEmpty()).isFalse();
  }

  @Test
  void againstItsOwnInventoryNothingIsMissingAndNoTagMoves() {
    Images.Image app = Images.image(store, "base layer", "app layer");
    store.tag("apps/web", "1.0", app.manifest().digest());
    store.tag("apps/web", "latest", app.manifest().digest());

    DeltaPlan p = plan(Images.inventoryOf(store));

    assertThat(p.isEmpty()).isTrue();
    assertThat(p.blobBytes()).isZero();
    assertThat(p.manifestsPresent()).isEqualTo(1);
    assertThat(p.blobsPresent()).isEqualTo(3);
    assertThat(p.bytesPresent()).isEqualTo(Images.bytes(app.blobs()));
  }

  @Test
  void sharedLayersCountOnceAndArePresentWhenTheSiteHoldsOneImage() {
    Images.Image v1 = Images.image(store, "shared base", "app 1.0");
    Images.Image v2 = Images.image(store, "shared base", "app 1.1");
    store.tag("apps/web", "1.0", v1.manifest().digest());
    store.tag("apps/web", "1.1", v2.manifest().digest());
    Descriptor base = v1.layers().get(0);
    assertThat(v2.layers().get(0)).isEqualTo(base);
    // The site holds 1.0 only: the same content, tagged the same.
    Images.Image there = Images.image(site, "shared base", "app 1.0");
    site.tag("apps/web", "1.0", there.manifest().digest());

    DeltaPlan fromScratch = plan(Images.emptyInventory("site-b"));
    DeltaPlan p = plan(Images.inventoryOf(site));

    assertThat(fromScratch.blobs()).hasSize(5); // two configs, the base once, two app layers
    assertThat(fromScratch.blobBytes())
        .isEqualTo(Images.bytes(v1.blobs()) + Images.bytes(v2.blobs()) - base.size());
    assertThat(p.manifests()).containsExactly(manifestEntry(v2.manifest()));
    assertThat(p.blobs())
        .containsExactlyElementsOf(blobEntries(List.of(v2.config(), v2.layers().get(1))));
    assertThat(p.tags())
        .containsExactly(new DeltaPlan.TagUpdate("apps/web", "1.1", null, v2.manifest().digest()));
    assertThat(p.manifestsPresent()).isEqualTo(1);
    assertThat(p.blobsPresent()).isEqualTo(3); // 1.0's config and layers, the base among them
    assertThat(p.bytesPresent()).isEqualTo(Images.bytes(v1.blobs()));
    assertThat(p.blobBytes() + p.bytesPresent()).isEqualTo(fromScratch.blobBytes());
  }

  @Test
  void anIndexBringsEveryPlatformManifestAndItsBlobs() {
    Images.Image amd = Images.image(store, Images.LINUX_AMD64, "base amd64", "app amd64");
    Images.Image arm = Images.image(store, Images.LINUX_ARM64, "base arm64", "app arm64");
    Descriptor index =
        Images.index(store, List.of(amd, arm), List.of(Images.LINUX_AMD64, Images.LINUX_ARM64));
    store.tag("apps/web", "1.0", index.digest());

    DeltaPlan p = plan(Images.emptyInventory("site-b"));

    assertThat(p.manifests())
        .containsExactlyElementsOf(
            sortedEntries(
                List.of(
                    manifestEntry(index),
                    manifestEntry(amd.manifest()),
                    manifestEntry(arm.manifest()))));
    List<Descriptor> blobs = new ArrayList<>(amd.blobs());
    blobs.addAll(arm.blobs());
    assertThat(p.blobs()).containsExactlyElementsOf(blobEntries(blobs));
    assertThat(p.manifests())
        .extracting(InventoryEntry::mediaType)
        .containsOnly(MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST);
  }

  @Test
  void anIndexWhoseChildTheSiteHoldsSendsOnlyTheOtherChild() {
    Images.Image amd = Images.image(store, Images.LINUX_AMD64, "base amd64", "app amd64");
    Images.Image arm = Images.image(store, Images.LINUX_ARM64, "base arm64", "app arm64");
    Descriptor index =
        Images.index(store, List.of(amd, arm), List.of(Images.LINUX_AMD64, Images.LINUX_ARM64));
    store.tag("apps/web", "1.0", index.digest());
    Images.Image there = Images.image(site, Images.LINUX_AMD64, "base amd64", "app amd64");
    site.tag("apps/web", "1.0", there.manifest().digest()); // added with --platform linux/amd64

    DeltaPlan p = plan(Images.inventoryOf(site));

    assertThat(p.manifests())
        .containsExactlyElementsOf(
            sortedEntries(List.of(manifestEntry(index), manifestEntry(arm.manifest()))));
    assertThat(p.blobs()).containsExactlyElementsOf(blobEntries(arm.blobs()));
    assertThat(p.tags())
        .containsExactly(
            new DeltaPlan.TagUpdate("apps/web", "1.0", amd.manifest().digest(), index.digest()));
  }

  @Test
  void anIndexListingAnArtifactBlobPlansItAsABlob() {
    // OCI 1.1 lets an index list content that is not a manifest; the store holds it as a blob.
    Images.Image amd = Images.image(store, Images.LINUX_AMD64, "app amd64");
    Descriptor sbom = Images.blob(store, "application/vnd.example.sbom+json", "{\"sbom\":true}");
    Descriptor index =
        Images.manifest(
            store,
            "{\"schemaVersion\":2,\"mediaType\":\""
                + MediaTypes.OCI_INDEX
                + "\",\"manifests\":["
                + Images.json(amd.manifest())
                + ","
                + Images.json(sbom)
                + "]}");
    store.tag("apps/web", "1.0", index.digest());

    DeltaPlan p = plan(Images.emptyInventory("site-b"));

    assertThat(p.manifests())
        .containsExactlyElementsOf(
            sortedEntries(List.of(manifestEntry(index), manifestEntry(amd.manifest()))));
    List<Descriptor> blobs = new ArrayList<>(amd.blobs());
    blobs.add(sbom);
    assertThat(p.blobs()).containsExactlyElementsOf(blobEntries(blobs));
  }

  @Test
  void referrersOfAnImageTravelWithIt() {
    Images.Image app = Images.image(store, "app layer");
    store.tag("apps/web", "1.0", app.manifest().digest());
    Images.Image signature =
        Images.referrer(store, app.manifest(), "application/vnd.example.signature.v1", "signed");
    Images.Image sbom =
        Images.referrer(store, app.manifest(), "application/vnd.example.sbom.v1", "sbom");
    // A signature of the SBOM: referrers of referrers come too.
    Images.Image sbomSignature =
        Images.referrer(
            store, sbom.manifest(), "application/vnd.example.signature.v1", "sbom signed");

    DeltaPlan p = plan(Images.emptyInventory("site-b"));

    assertThat(p.manifests())
        .containsExactlyElementsOf(
            sortedEntries(
                List.of(
                    manifestEntry(app.manifest()), manifestEntry(signature.manifest()),
                    manifestEntry(sbom.manifest()), manifestEntry(sbomSignature.manifest()))));
    List<Descriptor> blobs = new ArrayList<>(app.blobs());
    blobs.add(signature.config()); // the empty config, shared by all three artifacts
    blobs.add(signature.layers().get(0));
    blobs.add(sbom.layers().get(0));
    blobs.add(sbomSignature.layers().get(0));
    assertThat(p.blobs()).containsExactlyElementsOf(blobEntries(blobs));
    assertThat(p.tags()).hasSize(1); // referrers are reached, not tagged
  }

  @Test
  void aReferrerTheSiteLacksIsSentEvenWhenItHoldsTheImage() {
    Images.Image app = Images.image(store, "app layer");
    store.tag("apps/web", "1.0", app.manifest().digest());
    Images.Image there = Images.image(site, "app layer");
    site.tag("apps/web", "1.0", there.manifest().digest());
    Images.Image signature =
        Images.referrer(
            store, app.manifest(), "application/vnd.example.signature.v1", "signed later");

    DeltaPlan p = plan(Images.inventoryOf(site));

    assertThat(p.manifests()).containsExactly(manifestEntry(signature.manifest()));
    assertThat(p.blobs()).containsExactlyElementsOf(blobEntries(signature.blobs()));
    assertThat(p.tags()).isEmpty();
    assertThat(p.manifestsPresent()).isEqualTo(1);
  }

  @Test
  void aTagThatMovedAtTheSourceIsATagUpdateFromOldToNew() {
    Images.Image v1 = Images.image(store, "base", "app 1");
    store.tag("apps/web", "stable", v1.manifest().digest());
    CompactInventory siteHoldsV1 = Images.inventoryOf(store);
    Images.Image v2 = Images.image(store, "base", "app 2");
    store.tag("apps/web", "stable", v2.manifest().digest());

    DeltaPlan p = plan(siteHoldsV1);

    assertThat(p.tags())
        .containsExactly(
            new DeltaPlan.TagUpdate(
                "apps/web", "stable", v1.manifest().digest(), v2.manifest().digest()));
    assertThat(p.manifests()).containsExactly(manifestEntry(v2.manifest()));
    assertThat(p.blobs())
        .containsExactlyElementsOf(blobEntries(List.of(v2.config(), v2.layers().get(1))));
  }

  @Test
  void choosingTagsLimitsThePlanToThem() {
    Images.Image web = Images.image(store, "web layer");
    Images.Image db = Images.image(store, "db layer");
    store.tag("apps/web", "1.0", web.manifest().digest());
    store.tag("apps/db", "1.0", db.manifest().digest());

    DeltaPlan p = plan(Images.emptyInventory("site-b"), tag("apps/db", "1.0"));

    assertThat(p.manifests()).containsExactly(manifestEntry(db.manifest()));
    assertThat(p.blobs()).containsExactlyElementsOf(blobEntries(db.blobs()));
    assertThat(p.tags())
        .containsExactly(new DeltaPlan.TagUpdate("apps/db", "1.0", null, db.manifest().digest()));
    assertThat(p.blobBytes()).isEqualTo(Images.bytes(db.blobs()));
  }

  @Test
  void anEmptyStoreNeedsNothing() {
    DeltaPlan p = plan(Images.emptyInventory("site-b"));

    assertThat(p.isEmpty()).isTrue();
    assertThat(p.siteId()).isEqualTo("site-b");
  }

  private static InventoryEntry manifestEntry(Descriptor d) {
    return InventoryEntry.manifest(d.digest(), d.size(), d.mediaType());
  }

  /** Returns blob entries for the descriptors, deduplicated and sorted as a plan lists them. */
  private static List<InventoryEntry> blobEntries(List<Descriptor> ds) {
    return sortedEntries(
        ds.stream().map(d -> InventoryEntry.blob(d.digest(), d.size())).distinct().toList());
  }

  private static List<InventoryEntry> sortedEntries(List<InventoryEntry> entries) {
    List<InventoryEntry> out = new ArrayList<>(entries);
    out.sort(Comparator.comparing(InventoryEntry::digest, Comparator.comparing(Digest::toString)));
    return out;
  }
}
