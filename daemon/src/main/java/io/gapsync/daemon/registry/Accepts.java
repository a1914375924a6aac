package io.gapsync.daemon.registry;

import io.gapsync.protocol.MediaTypes;
import java.util.Locale;

/**
 * Content negotiation of manifest reads on {@code Accept} (distribution spec "Pulling manifests"):
 * a manifest is served as stored, never converted, so the only decision is whether the client can
 * take its media type.
 *
 * <p>Conservative by design, as the distribution registry: no {@code Accept}, a wildcard, or an
 * {@code Accept} naming no manifest type at all (a generic client) takes anything; a client that
 * lists manifest types but not the stored one (an old Docker client pulling an OCI index) gets 404
 * MANIFEST_UNKNOWN saying which type was found, rather than bytes it cannot parse.
 */
final class Accepts {

  private Accepts() {}

  /** Returns true if a request with these {@code Accept} values can take the media type. */
  static boolean accepts(java.util.List<String> acceptHeaders, String mediaType) {
    boolean namesManifestTypes = false;
    for (String header : acceptHeaders) {
      for (String part : header.split(",")) {
        String type = part.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (type.equals(mediaType) || type.equals("*/*") || type.equals("application/*")) {
          return true;
        }
        namesManifestTypes |= MediaTypes.isManifest(type);
      }
    }
    return !namesManifestTypes;
  }
}
