package io.gapsync.protocol.archive;

/** What an archive entry is: a blob (layer, config) or a manifest (image manifest, index). */
public enum EntryKind {
  /** A blob: stored with its digest and size verified. */
  BLOB("blob"),
  /** A manifest: stored as its exact bytes once its references are present. */
  MANIFEST("manifest");

  private final String wire;

  EntryKind(String wire) {
    this.wire = wire;
  }

  /** Returns the wire form ({@code blob} or {@code manifest}). */
  public String wire() {
    return wire;
  }

  /** Parses the wire form; null if unknown. */
  static EntryKind fromWire(String s) {
    for (EntryKind k : values()) {
      if (k.wire.equals(s)) {
        return k;
      }
    }
    return null;
  }
}
