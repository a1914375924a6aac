package io.gapsync.daemon.sync;

import io.gapsync.protocol.CompactInventory;
import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Inventory;
import io.gapsync.protocol.InventoryHeader;
import io.gapsync.protocol.InventoryReader;
import io.gapsync.protocol.MediaTypes;
import io.gapsync.protocol.Platform;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Tiny OCI images written into a real store through its public API, with their manifests' JSON
 * written by hand, and the inventories of such stores. Every helper returns the descriptor of what
 * it stored, so tests can state digests and sizes exactly.
 */
final class Images {

  /** When the inventories of the tests are taken. */
  static final Instant CREATED_AT = Instant.parse("2026-03-04T05:06:07Z");

  /** Small chunks and no fsync keep the tests fast. */
  static final StoreOptions OPTIONS =
      StoreOptions.defaults().withSyncWrites(false).withChunkSizeBytes(4096);

  static final Platform LINUX_AMD64 = Platform.parse("linux/amd64");

  static final Platform LINUX_ARM64 = Platform.parse("linux/arm64");

  private Images() {}

  /** Opens (creating) a store with a fixed site id. */
  static Store open(Path dir, String siteId) {
    return Store.open(dir, OPTIONS, siteId);
  }

  /**
   * An image manifest stored together with its blobs.
   *
   * @param manifest the manifest's descriptor
   * @param config the config's descriptor
   * @param layers the layers' descriptors
   */
  record Image(Descriptor manifest, Descriptor config, List<Descriptor> layers) {

    /** Returns the config and the layers. */
    List<Descriptor> blobs() {
      List<Descriptor> out = new ArrayList<>();
      out.add(config);
      out.addAll(layers);
      return out;
    }
  }

  /** Stores a blob of the given text and returns its descriptor. */
  static Descriptor blob(Store store, String mediaType, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    try {
      store.putBlob(new ByteArrayInputStream(bytes), Digest.sha256Of(bytes), bytes.length);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Descriptor.of(mediaType, Digest.sha256Of(bytes), bytes.length);
  }

  /** Stores a layer of the given text. */
  static Descriptor layer(Store store, String text) {
    return blob(store, MediaTypes.OCI_LAYER_GZIP, text);
  }

  /** Stores an image: a config naming the platform and one layer per text. */
  static Image image(Store store, Platform platform, String... layerTexts) {
    Descriptor config =
        blob(
            store,
            MediaTypes.OCI_CONFIG,
            "{\"architecture\":\""
                + platform.architecture()
                + "\",\"os\":\""
                + platform.os()
                + "\",\"layers\":\""
                + String.join(",", layerTexts)
                + "\"}");
    List<Descriptor> layers = new ArrayList<>();
    for (String text : layerTexts) {
      layers.add(layer(store, text));
    }
    return image(store, config, layers);
  }

  /** Stores an image manifest over blobs the store holds. */
  static Image image(Store store, Descriptor config, List<Descriptor> layers) {
    String json =
        "{\"schemaVersion\":2,\"mediaType\":\""
            + MediaTypes.OCI_MANIFEST
            + "\",\"config\":"
            + json(config)
            + ",\"layers\":["
            + list(layers)
            + "]}";
    return new Image(manifest(store, json), config, layers);
  }

  /** Stores a linux/amd64 image of one layer per text. */
  static Image image(Store store, String... layerTexts) {
    return image(store, LINUX_AMD64, layerTexts);
  }

  /**
   * Stores an OCI 1.1 artifact (a signature, an SBOM) whose subject is another manifest: the empty
   * config and one layer of the given text.
   */
  static Image referrer(Store store, Descriptor subject, String artifactType, String text) {
    Descriptor config = blob(store, MediaTypes.OCI_EMPTY, "{}");
    Descriptor layer = blob(store, "application/vnd.example.signature", text);
    String json =
        "{\"schemaVersion\":2,\"mediaType\":\""
            + MediaTypes.OCI_MANIFEST
            + "\",\"artifactType\":\""
            + artifactType
            + "\",\"config\":"
            + json(config)
            + ",\"layers\":["
            + json(layer)
            + "],\"subject\":"
            + json(subject)
            + "}";
    return new Image(manifest(store, json), config, List.of(layer));
  }

  /** Stores an OCI index over platform images; each child carries its platform. */
  static Descriptor index(Store store, List<Image> children, List<Platform> platforms) {
    List<String> entries = new ArrayList<>();
    for (int i = 0; i < children.size(); i++) {
      Descriptor m = children.get(i).manifest();
      Platform p = platforms.get(i);
      entries.add(
          "{\"mediaType\":\""
              + m.mediaType()
              + "\",\"digest\":\""
              + m.digest()
              + "\",\"size\":"
              + m.size()
              + ",\"platform\":{\"architecture\":\""
              + p.architecture()
              + "\",\"os\":\""
              + p.os()
              + "\"}}");
    }
    return manifest(
        store,
        "{\"schemaVersion\":2,\"mediaType\":\""
            + MediaTypes.OCI_INDEX
            + "\",\"manifests\":["
            + String.join(",", entries)
            + "]}");
  }

  /** Stores a manifest from its JSON and returns its descriptor. */
  static Descriptor manifest(Store store, String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    var r = store.putManifest(bytes, null);
    String mediaType = store.manifestInfo(r.digest()).orElseThrow().mediaType();
    return Descriptor.of(mediaType, r.digest(), r.size());
  }

  static String json(Descriptor d) {
    return "{\"mediaType\":\""
        + d.mediaType()
        + "\",\"digest\":\""
        + d.digest()
        + "\",\"size\":"
        + d.size()
        + "}";
  }

  private static String list(List<Descriptor> ds) {
    return ds.stream().map(Images::json).collect(Collectors.joining(","));
  }

  /** Returns the canonical inventory document of a store, taken at {@link #CREATED_AT}. */
  static byte[] inventoryBytes(Store store) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      StoreInventory.write(store, out, CREATED_AT, new TreeMap<>());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Returns a store's inventory in the compact form the planner takes. */
  static CompactInventory inventoryOf(Store store) {
    try {
      return new InventoryReader().readCompact(new ByteArrayInputStream(inventoryBytes(store)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Returns the inventory of a site that holds nothing. */
  static CompactInventory emptyInventory(String siteId) {
    InventoryHeader header =
        InventoryHeader.of(
            siteId, CREATED_AT, Collections.emptySortedMap(), Collections.emptySortedMap());
    return CompactInventory.of(Inventory.of(header, List.of(), List.of()));
  }

  /** Returns the sum of the descriptors' sizes. */
  static long bytes(List<Descriptor> ds) {
    return ds.stream().mapToLong(Descriptor::size).sum();
  }
}
