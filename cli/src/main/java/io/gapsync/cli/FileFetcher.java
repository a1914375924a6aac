package io.gapsync.cli;

import io.gapsync.cli.registry.RegistryOptions;
import io.gapsync.cli.sync.SyncSet;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import io.gapsync.protocol.DigestingInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Brings the generic files of a sync set into the store as artifacts ({@link Artifacts}): a local
 * {@code path:} directly, a {@code url:} by streaming it to a temporary file named like the URL's
 * last path segment (so the artifact's title is stable), verifying the {@code sha256:} given in the
 * sync set before anything is stored. The temporary folder is removed afterwards, also on failure.
 */
final class FileFetcher {

  /** Stores a local file as an artifact (into the store, or through the daemon that holds it). */
  @FunctionalInterface
  interface Adder {
    Digest add(Path file, String artifactType, io.gapsync.protocol.Reference target)
        throws IOException;
  }

  private final HttpClient http;
  private final RegistryOptions options;

  FileFetcher(RegistryOptions options) {
    this.options = options;
    this.http =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(java.time.Duration.ofSeconds(30))
            .build();
  }

  /**
   * Adds one file entry.
   *
   * @return the artifact manifest digest the target tag now points at
   */
  Digest add(SyncSet.FileEntry f, String type, Adder adder) throws IOException {
    if (f.path() != null) {
      if (f.sha256() != null) {
        try (InputStream in = Files.newInputStream(f.path())) {
          verify(in, f.sha256(), f.path().toString());
        }
      }
      return adder.add(f.path(), type, f.target());
    }
    Path dir = Files.createTempDirectory("gapsync-sync-file-");
    try {
      String p = f.url().getPath();
      String name = p == null || p.endsWith("/") ? "file" : p.substring(p.lastIndexOf('/') + 1);
      Path file = dir.resolve(name.isEmpty() ? "file" : name);
      download(f, file);
      return adder.add(file, type, f.target());
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path q : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(q);
        }
      }
    }
  }

  private void download(SyncSet.FileEntry f, Path file) throws IOException {
    HttpRequest req =
        HttpRequest.newBuilder(f.url()).timeout(options.requestTimeout()).GET().build();
    HttpResponse<InputStream> r;
    try {
      r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted downloading " + f.url());
    }
    try (InputStream in = r.body()) {
      if (r.statusCode() != 200) {
        throw new CliException(
            "Tried to download "
                + f.url()
                + " for "
                + f.target()
                + " but failed because the server answered "
                + r.statusCode()
                + ": check the url: entry (sync set line "
                + f.line()
                + ")");
      }
      DigestingInputStream digesting = new DigestingInputStream(in, DigestAlgorithm.SHA256);
      try (OutputStream out = Files.newOutputStream(file)) {
        digesting.transferTo(out);
      }
      if (f.sha256() != null && !digesting.digest().equals(f.sha256())) {
        throw new CliException(
            "Tried to download "
                + f.url()
                + " but failed because it hashes to "
                + digesting.digest()
                + ", not "
                + f.sha256()
                + " as the sync set says (line "
                + f.line()
                + "): nothing was stored; check the file or the sha256");
      }
    }
  }

  private static void verify(InputStream in, Digest expected, String what) throws IOException {
    DigestingInputStream d = new DigestingInputStream(in, DigestAlgorithm.SHA256);
    d.transferTo(OutputStream.nullOutputStream());
    if (!d.digest().equals(expected)) {
      throw new CliException(
          "Tried to add "
              + what
              + " but failed because it hashes to "
              + d.digest()
              + ", not "
              + expected
              + " as the sync set says: nothing was stored");
    }
  }
}
