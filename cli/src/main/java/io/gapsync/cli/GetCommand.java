package io.gapsync.cli;

import io.gapsync.cli.transport.ImageSink;
import io.gapsync.cli.transport.TransportRef;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Manifest;
import io.gapsync.protocol.Reference;
import io.gapsync.store.Store;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gapsync get REF DEST}: writes an image or file out of the store, bit for bit. */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = {
      "Writes an image or artifact out of the store with the digests it was added with.",
      "",
      "DEST uses skopeo's transport syntax:",
      "  oci:DIR[:TAG]           an OCI image layout folder (created, or added to)",
      "  oci-archive:FILE[:TAG]  a tar of an OCI image layout",
      "  file:PATH               the file of an artifact added with file: (PATH may be a folder)",
      "",
      "TAG defaults to the tag of REF.",
      "",
      "While 'gapsync serve' holds the store, blob content is read through its admin socket."
    })
final class GetCommand implements Callable<Integer> {

  @Mixin StoreMixin storeOption;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REPO:TAG|REPO@DIGEST", description = "What to write out.")
  String reference;

  @Parameters(index = "1", paramLabel = "DEST", description = "Where to write it (see above).")
  String destination;

  @Override
  public Integer call() throws Exception {
    Reference ref = Refs.parse(reference);
    TransportRef dest = Refs.transport(spec.commandLine(), destination);
    // While a daemon holds the store, blob content comes through its admin socket: the daemon's
    // compactions may move content out of the files a read-only instance opened. Manifests and
    // tags are read from the read-only instance (it opened all their files up front).
    Exporter.BlobReader blobs =
        storeOption.runningDaemon().map(d -> (Exporter.BlobReader) d::openBlob).orElse(null);
    try (Store store = storeOption.openReadOnly()) {
      Exporter.BlobReader reader = blobs != null ? blobs : store::openBlob;
      Digest digest = Refs.resolve(store, reference);
      var out = spec.commandLine().getOut();
      if (dest.kind() == TransportRef.Kind.FILE) {
        Manifest m = store.requireManifest(digest);
        Path written = Artifacts.get(reader, m, dest.path());
        out.println("Wrote " + written + " from " + reference + " (" + digest + ")");
        return 0;
      }
      String tag = dest.ref() != null ? dest.ref() : ref.tag();
      try (ImageSink sink = dest.openSink()) {
        long bytes = new Exporter(store, reader).run(digest, sink, tag);
        sink.commit();
        out.println(
            "Wrote "
                + reference
                + " ("
                + digest
                + ") to "
                + destination
                + ": "
                + Sizes.human(bytes)
                + " of blobs written");
      }
    }
    return 0;
  }
}
