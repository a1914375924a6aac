package io.gapsync.cli.registry;

import io.gapsync.cli.transport.ImageSource;
import io.gapsync.cli.transport.SourceImage;
import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Manifest;
import io.gapsync.protocol.ManifestParser;
import io.gapsync.protocol.MediaTypes;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One image in a registry as an {@link ImageSource}, so {@code gapsync add docker://REF} uses the
 * same importer as the local transports. The root is resolved once, when the source is opened; the
 * manifests read are kept (bounded, they are small) so none is fetched twice. The source's single
 * root is named {@code PATH:TAG} (no host), or has no name for a digest reference.
 */
public final class RegistrySource implements ImageSource {

  private final RegistryClient client;
  private final RegistryRef ref;
  private final SourceImage root;
  private final Map<Digest, byte[]> manifests = new HashMap<>();

  private RegistrySource(RegistryClient client, RegistryRef ref, SourceImage root) {
    this.client = client;
    this.ref = ref;
    this.root = root;
  }

  /**
   * Resolves a reference (a missing tag means {@code latest}) and opens it as a source.
   *
   * @param client the client
   * @param ref the image
   * @return the source; closing it releases nothing but the cached manifests
   * @throws IOException if the manifest cannot be fetched or verified
   */
  public static RegistrySource open(RegistryClient client, RegistryRef ref) throws IOException {
    RegistryRef r = ref.tag() == null && ref.digest() == null ? ref.withTag("latest") : ref;
    RegistryClient.FetchedManifest m = client.manifest(r);
    String type = m.mediaType();
    Manifest parsed =
        ManifestParser.parse(m.bytes(), type, "manifest " + m.digest() + " from " + r);
    Descriptor d = Descriptor.of(parsed.mediaType(), m.digest(), m.bytes().length);
    String name = r.digest() == null ? r.path() + ":" + r.tag() : null;
    RegistrySource s = new RegistrySource(client, r.withDigest(null), new SourceImage(name, d));
    s.manifests.put(m.digest(), m.bytes());
    return s;
  }

  /** Returns the reference the source was opened with (tag kept). */
  public RegistryRef ref() {
    return ref;
  }

  @Override
  public String describe() {
    return ref.toString();
  }

  @Override
  public List<SourceImage> roots() {
    return List.of(root);
  }

  @Override
  public byte[] readManifest(Descriptor d) throws IOException {
    byte[] cached = manifests.get(d.digest());
    if (cached == null) {
      RegistryClient.FetchedManifest m = client.manifest(ref.withDigest(d.digest()));
      cached = m.bytes();
      if (MediaTypes.isManifest(d.mediaType()) || MediaTypes.isIndex(d.mediaType())) {
        manifests.put(d.digest(), cached);
      }
    }
    if (cached.length != d.size()) {
      throw RegistryException.failed(
          RegistryException.Code.DIGEST_MISMATCH,
          "read manifest " + d.digest() + " from " + ref,
          "it is " + cached.length + " bytes, the index says " + d.size(),
          "the registry's index and manifest disagree; nothing was stored");
    }
    return cached;
  }

  @Override
  public InputStream openBlob(Descriptor d) throws IOException {
    return client.openBlob(ref, d);
  }

  @Override
  public void close() {
    manifests.clear();
  }
}
