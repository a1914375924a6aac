package io.gapsync.cli;

import io.gapsync.cli.transport.ImageSource;
import io.gapsync.cli.transport.TransportRef;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import io.gapsync.protocol.Platform;
import io.gapsync.protocol.Reference;
import io.gapsync.store.Store;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gapsync add SRC}: puts images or a file into the store. */
@Command(
    name = "add",
    mixinStandardHelpOptions = true,
    description = {
      "Adds images or a generic file to the store, verifying every digest.",
      "",
      "SRC uses skopeo's transport syntax:",
      "  oci:DIR[:REF]              an OCI image layout folder",
      "  oci-archive:FILE[:REF]     a tar of an OCI image layout",
      "  docker-archive:FILE[:REF]  a 'docker save' tar (REF is REPO:TAG or @N)",
      "  file:PATH                  any file, stored as an OCI 1.1 artifact",
      "  docker://HOST/PATH[:TAG|@DIGEST]  an image in a registry (only missing",
      "                             blobs are downloaded; see --authfile, --insecure)",
      "",
      "Without :REF every image of the source is added under its own name;",
      "a docker:// image is stored as PATH:TAG (without the host) unless --as names it.",
      "A multi-platform image keeps every platform (and its exact index) unless",
      "--platform picks one; the tag then points at that platform's manifest.",
      "",
      "While 'gapsync serve' holds the store, the image is pushed through the daemon's",
      "admin socket (--admin-socket) instead, with the same checks and output."
    })
final class AddCommand implements Callable<Integer> {

  /** RFC 6838 media type: type "/" subtype, restricted-name characters. */
  static final java.util.regex.Pattern MEDIA_TYPE =
      java.util.regex.Pattern.compile(
          "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}");

  @Mixin StoreMixin storeOption;

  @Mixin RegistryMixin registryOptions;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SRC", description = "What to add (see above).")
  String source;

  @Option(
      names = "--as",
      paramLabel = "REPO[:TAG]",
      description =
          "Store the image as REPO:TAG; or, with REPO alone, store every image of the source in REPO under its own tag.")
  String as;

  @ArgGroup(exclusive = true)
  PlatformOptions platformOptions;

  @Option(
      names = "--artifact-type",
      paramLabel = "TYPE",
      description =
          "The artifactType of a file: artifact (default: "
              + MediaTypes.GAPSYNC_FILE_ARTIFACT
              + ").")
  String artifactType;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  /** --platform and --all-platforms exclude each other. */
  static final class PlatformOptions {
    @Option(
        names = "--platform",
        paramLabel = "OS/ARCH[/VARIANT]",
        description = "Keep only this platform of a multi-platform image.")
    String platform;

    @Option(names = "--all-platforms", description = "Keep every platform (the default).")
    boolean all;
  }

  @Override
  public Integer call() throws Exception {
    PlatformChoice platforms = PlatformChoice.ALL;
    if (platformOptions != null && platformOptions.platform != null) {
      try {
        platforms = new PlatformChoice(Platform.parse(platformOptions.platform));
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
    }
    Reference target = null;
    String asRepository = null;
    if (as != null && !as.contains(":") && !as.contains("@")) {
      try {
        asRepository = Reference.parseRepository(as);
      } catch (io.gapsync.protocol.ProtocolException e) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
    } else if (as != null) {
      target = Refs.parse(as);
      if (target.tag() == null || target.digest() != null) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(), "--as takes REPO:TAG or REPO, got '" + as + "'");
      }
    }
    if (artifactType != null && !MEDIA_TYPE.matcher(artifactType).matches()) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(),
          "--artifact-type '" + artifactType + "' is not a media type (type/subtype, RFC 6838)");
    }
    io.gapsync.cli.registry.RegistryRef registryRef =
        io.gapsync.cli.registry.RegistryRef.isRegistry(source)
            ? RegistryMixin.parse(spec.commandLine(), source)
            : null;
    TransportRef ref = registryRef == null ? Refs.transport(spec.commandLine(), source) : null;
    boolean isFile = ref != null && ref.kind() == TransportRef.Kind.FILE;
    if (!isFile && artifactType != null) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--artifact-type applies to file: sources only");
    }
    Store opened = null;
    DaemonClient daemon = null;
    try {
      opened = storeOption.openWritable();
    } catch (io.gapsync.store.StoreException e) {
      // A daemon holds the store: go through its admin socket (or say who holds it).
      daemon = storeOption.daemonFor(e);
    }
    try (Store store = opened) {
      Importer.Result result;
      if (isFile) {
        Reference t =
            target != null
                ? target
                : asRepository != null
                    ? Reference.parse(asRepository + ":latest")
                    : defaultFileTarget(ref.path());
        String type = artifactType != null ? artifactType : MediaTypes.GAPSYNC_FILE_ARTIFACT;
        Digest d =
            store != null
                ? Artifacts.add(store, ref.path(), type, t)
                : Artifacts.add(daemon, ref.path(), type, t);
        result =
            new Importer.Result(
                List.of(
                    new Importer.Added(t.repository() + ":" + t.tag(), d, MediaTypes.OCI_MANIFEST)),
                0,
                0,
                0,
                0);
      } else {
        IngestTarget into =
            store != null ? new IngestTarget.Local(store) : new IngestTarget.ThroughDaemon(daemon);
        try (ImageSource src =
            registryRef != null
                ? io.gapsync.cli.registry.RegistrySource.open(registryOptions.client(), registryRef)
                : ref.openSource()) {
          result = new Importer(into, platforms).run(src, target, asRepository);
        } finally {
          into.close();
        }
      }
      print(result, isFile);
    }
    return 0;
  }

  private void print(Importer.Result result, boolean isFile) {
    var out = spec.commandLine().getOut();
    if (json) {
      JsonOutput.print(out, result);
      return;
    }
    for (Importer.Added a : result.images()) {
      out.println("Added " + a.reference() + " " + a.digest());
    }
    if (!isFile) {
      out.println(
          result.blobsAdded()
              + " new blobs ("
              + Sizes.human(result.bytesAdded())
              + "), "
              + result.blobsPresent()
              + " already held, "
              + result.manifestsAdded()
              + " new manifests");
    }
  }

  /** A file's default name: {@code file/<sanitised file name>:latest}. */
  static Reference defaultFileTarget(Path file) {
    String name =
        file.getFileName()
            .toString()
            .toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9]+", "-")
            .replaceAll("^-+|-+$", "");
    if (name.isEmpty()) {
      name = "file";
    }
    return Reference.parse("file/" + name + ":latest");
  }
}
