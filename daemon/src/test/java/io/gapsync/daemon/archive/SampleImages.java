package io.gapsync.daemon.archive;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import io.gapsync.store.PutResult;
import io.gapsync.store.Store;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Small images for the archive and spool tests (like the CLI's demo images): a 2 MiB incompressible
 * base layer that every version shares and a small app layer and config of its own, so an update
 * assumes the base present.
 */
public final class SampleImages {

  /** Size of the shared base layer. */
  public static final int BASE_BYTES = 2 * 1024 * 1024;

  private SampleImages() {}

  /** Stores the image of a version, tags it {@code repository:version} and returns its digest. */
  public static Digest add(Store store, String repository, String version) throws IOException {
    byte[] base = new byte[BASE_BYTES];
    new Random(42).nextBytes(base);
    byte[] app = ("app " + version + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"V="
                + version
                + "\"]}}")
            .getBytes(StandardCharsets.UTF_8);
    PutResult b = store.putBlob(new ByteArrayInputStream(base), null, -1);
    PutResult a = store.putBlob(new ByteArrayInputStream(app), null, -1);
    PutResult c = store.putBlob(new ByteArrayInputStream(config), null, -1);
    String manifest =
        "{\"schemaVersion\":2,\"mediaType\":\""
            + MediaTypes.OCI_MANIFEST
            + "\",\"config\":"
            + descriptor(MediaTypes.OCI_CONFIG, c)
            + ",\"layers\":["
            + descriptor(MediaTypes.OCI_LAYER_GZIP, b)
            + ","
            + descriptor(MediaTypes.OCI_LAYER_GZIP, a)
            + "]}";
    PutResult m =
        store.putManifest(manifest.getBytes(StandardCharsets.UTF_8), MediaTypes.OCI_MANIFEST);
    store.tag(repository, version, m.digest());
    return m.digest();
  }

  private static String descriptor(String mediaType, PutResult r) {
    return "{\"mediaType\":\""
        + mediaType
        + "\",\"digest\":\""
        + r.digest()
        + "\",\"size\":"
        + r.size()
        + "}";
  }
}
