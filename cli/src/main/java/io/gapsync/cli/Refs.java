package io.gapsync.cli;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Reference;
import io.gapsync.store.Store;

/** Resolves the {@code REPO:TAG} and {@code REPO@DIGEST} arguments commands take. */
final class Refs {

  private Refs() {}

  /**
   * Resolves a reference to a manifest the store holds.
   *
   * @param store the store
   * @param text the argument
   * @return the manifest digest
   * @throws CliException if malformed or unknown
   */
  static Digest resolve(Store store, String text) {
    Reference r = parse(text);
    if (r.digest() != null) {
      if (!store.hasManifest(r.digest())) {
        throw new CliException(
            "Tried to find "
                + text
                + " but the store at "
                + store.path()
                + " holds no manifest "
                + r.digest()
                + ": list what it holds with gapsync ls");
      }
      return r.digest();
    }
    return store
        .resolveTag(r.repository(), r.tag())
        .orElseThrow(
            () ->
                new CliException(
                    "Tried to find "
                        + text
                        + " but the store at "
                        + store.path()
                        + " has no such tag: list what it holds with gapsync ls"));
  }

  /** Parses {@code REPO:TAG} or {@code REPO@DIGEST}, with a message naming the argument. */
  static Reference parse(String text) {
    try {
      return Reference.parse(text);
    } catch (io.gapsync.protocol.ProtocolException e) {
      throw new CliException(e.getMessage());
    }
  }

  /**
   * Parses a transport argument (SRC or DEST); a malformed one is a usage error (exit 2), like any
   * other bad argument.
   */
  static io.gapsync.cli.transport.TransportRef transport(picocli.CommandLine cl, String value) {
    try {
      return io.gapsync.cli.transport.TransportRef.parse(value);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(cl, e.getMessage());
    }
  }
}
