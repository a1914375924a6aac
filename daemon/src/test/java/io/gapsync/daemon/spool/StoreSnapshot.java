package io.gapsync.daemon.spool;

import io.gapsync.store.BlobInfo;
import io.gapsync.store.ManifestInfo;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import io.gapsync.store.TagInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a store holds, for "the store is exactly as before" assertions.
 *
 * @param tags every tag
 * @param manifests every manifest
 * @param blobs every blob
 */
record StoreSnapshot(List<TagInfo> tags, List<ManifestInfo> manifests, List<BlobInfo> blobs) {

  static StoreSnapshot of(Path dir) {
    try (Store s = Store.open(dir, StoreOptions.defaults().asReadOnly())) {
      List<ManifestInfo> m = new ArrayList<>();
      List<BlobInfo> b = new ArrayList<>();
      s.forEachManifest(m::add);
      s.forEachBlob(b::add);
      return new StoreSnapshot(s.tags(), m, b);
    }
  }
}
