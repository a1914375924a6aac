package io.gapsync.cli;

import io.gapsync.protocol.trust.KeyFiles;
import io.gapsync.protocol.trust.SigningKey;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gapsync key generate --out PREFIX}: a new Ed25519 producer key pair. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = {
      "Generates an Ed25519 key pair: PREFIX.key (private, mode 0600) signs archives on the",
      "connected side; PREFIX.pub goes to the offline site (import --trust PREFIX.pub, or list it",
      "in a trust file). Never overwrites an existing key."
    })
final class KeyGenerateCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "PREFIX",
      description = "Path prefix of the two files, e.g. /etc/gapsync/producer.")
  Path out;

  @Override
  public Integer call() throws Exception {
    SigningKey key = SigningKey.generate(new SecureRandom());
    Path[] files;
    try {
      files = KeyFiles.write(out, key);
    } catch (FileAlreadyExistsException e) {
      throw new CliException(
          "Tried to write the key pair "
              + out
              + " but "
              + e.getFile()
              + " exists: gapsync never overwrites a key; choose another --out");
    }
    PrintWriter w = spec.commandLine().getOut();
    w.println("Generated key " + key.keyId());
    w.println("  private: " + files[0] + " (keep it on the connected side, mode 0600)");
    w.println(
        "  public:  "
            + files[1]
            + " (give it to the offline site: import --trust "
            + files[1]
            + ")");
    return 0;
  }
}
