package io.gapsync.cli;

import io.gapsync.cli.registry.Credentials;
import io.gapsync.cli.registry.RegistryClient;
import io.gapsync.cli.registry.RegistryOptions;
import io.gapsync.cli.registry.RegistryRef;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options of commands that read {@code docker://} registries: credentials, TLS, retries. */
final class RegistryMixin {

  @Option(
      names = "--authfile",
      paramLabel = "FILE",
      description =
          "Registry logins: a docker config.json or containers auth.json (as written by "
              + "'skopeo login --authfile FILE'). Without it, registries are used anonymously.")
  Path authFile;

  @Option(
      names = "--cert-file",
      paramLabel = "PEM",
      description = "Trust these CA certificates (PEM) instead of the JDK's for registry TLS.")
  Path caFile;

  @Option(
      names = "--insecure",
      description =
          "Allow plain-HTTP registries and do not verify TLS certificates (loopback and lab "
              + "registries only).")
  boolean insecure;

  @Option(
      names = "--retries",
      paramLabel = "N",
      description =
          "Attempts per registry request on 429, 5xx and broken connections (default: "
              + RegistryOptions.MAX_ATTEMPTS_DEFAULT
              + ").")
  Integer retries;

  /** Returns the options these flags give. */
  RegistryOptions options() throws IOException {
    RegistryOptions o = RegistryOptions.defaults();
    if (authFile != null) {
      o = o.withCredentials(Credentials.read(authFile));
    }
    if (retries != null) {
      if (retries < 1 || retries > 100) {
        throw new CliException("--retries must be between 1 and 100, got " + retries);
      }
      o = o.withRetries(retries, o.initialBackoff(), o.maxBackoff());
    }
    return o.withCaFile(caFile).withInsecure(insecure);
  }

  /** Builds a client from these flags. */
  RegistryClient client() throws IOException {
    return new RegistryClient(options());
  }

  /** Parses a {@code docker://} argument; a malformed one is a usage error. */
  static RegistryRef parse(picocli.CommandLine cl, String value) {
    try {
      return RegistryRef.parse(value);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(cl, e.getMessage());
    }
  }
}
