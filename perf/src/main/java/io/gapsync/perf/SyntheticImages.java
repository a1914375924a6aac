package io.gapsync.perf;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates the content of the synthetic store deterministically: image {@code i} always has the
 * same config, layers and manifest bytes for a given seed, so a cached store and an inventory
 * written later agree without keeping any list of digests.
 *
 * <p>Every blob is unique by construction: a layer starts with its image and layer numbers,
 * followed by random bytes, 16 to 64 bytes in all; a config names its image. Instances are
 * immutable and thread-safe.
 *
 * @param images the number of images (manifests), each tagged
 * @param layersPerImage the number of layers of each image; each image also has one config blob
 * @param seed the seed of the random layer contents
 */
record SyntheticImages(int images, int layersPerImage, long seed) {

  /** The repository every synthetic image is tagged in. */
  static final String REPOSITORY = "bench/synthetic";

  /** Smallest layer, in bytes: the 8-byte image and layer numbers plus random bytes. */
  static final int LAYER_BYTES_MIN = 16;

  /** Largest layer, in bytes. */
  static final int LAYER_BYTES_MAX = 64;

  /** Validates the counts. */
  SyntheticImages {
    if (images <= 0 || layersPerImage <= 0) {
      throw new IllegalArgumentException(
          "images and layersPerImage must be positive, got " + images + " and " + layersPerImage);
    }
  }

  /** Returns the number of blobs the store holds: every layer and every config. */
  long blobCount() {
    return (long) images * (layersPerImage + 1);
  }

  /** Returns the tag of an image: {@code img-00042}. */
  static String tagOf(int image) {
    return String.format("img-%05d", image);
  }

  /** Returns the bytes of one layer of one image. */
  byte[] layer(int image, int layer) {
    SplittableRandom random = new SplittableRandom(seed ^ ((long) image << 32 | layer));
    byte[] bytes = new byte[random.nextInt(LAYER_BYTES_MIN, LAYER_BYTES_MAX + 1)];
    random.nextBytes(bytes);
    // The numbers first make every layer unique, whatever the random bytes.
    ByteBuffer.wrap(bytes).putInt(image).putInt(layer);
    return bytes;
  }

  /** Returns the config blob of an image: a minimal OCI image config that names the image. */
  byte[] config(int image) {
    return ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":"
            + "{\"io.gapsync.perf.image\":\""
            + image
            + "\"}},"
            + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Returns the OCI image manifest of an image, given the digests of its config and layers.
   *
   * @param config the config blob's bytes
   * @param layers the layers' digests and sizes, in order
   * @return the manifest's exact bytes
   */
  static byte[] manifest(byte[] config, List<Blob> layers) {
    StringBuilder sb = new StringBuilder(160 * (layers.size() + 1));
    sb.append("{\"schemaVersion\":2,\"mediaType\":\"")
        .append(MediaTypes.OCI_MANIFEST)
        .append("\",");
    sb.append("\"config\":");
    descriptor(sb, MediaTypes.OCI_CONFIG, Digest.sha256Of(config), config.length);
    sb.append(",\"layers\":[");
    for (int i = 0; i < layers.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      descriptor(sb, MediaTypes.OCI_LAYER_GZIP, layers.get(i).digest(), layers.get(i).size());
    }
    sb.append("]}");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void descriptor(StringBuilder sb, String mediaType, Digest digest, long size) {
    sb.append("{\"mediaType\":\"")
        .append(mediaType)
        .append("\",\"digest\":\"")
        .append(digest)
        .append("\",\"size\":")
        .append(size)
        .append('}');
  }

  /**
   * A blob as a manifest references it.
   *
   * @param digest its digest
   * @param size its size in bytes
   */
  record Blob(Digest digest, long size) {}
}
