package io.gapsync.cli.registry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the registry client connects, validated once.
 *
 * @param credentials the logins, never null
 * @param caFile PEM certificates to trust instead of the JDK's defaults, or null
 * @param insecure allow plain HTTP (tried when HTTPS fails to connect) and unverified TLS
 * @param rewrites prefix rewrite rules applied to {@code HOST/PATH} before connecting, in order
 * @param maxAttempts attempts per request on 429, 5xx and broken connections (at least 1)
 * @param initialBackoff the first wait between attempts; doubles each time
 * @param maxBackoff the longest wait, also the cap on a registry's {@code Retry-After}
 * @param requestTimeout how long to wait for a response's headers
 */
public record RegistryOptions(
    Credentials credentials,
    Path caFile,
    boolean insecure,
    List<Rewrite> rewrites,
    int maxAttempts,
    Duration initialBackoff,
    Duration maxBackoff,
    Duration requestTimeout) {

  /** Attempts per request by default. */
  public static final int MAX_ATTEMPTS_DEFAULT = 6;

  /** First wait between attempts by default. */
  public static final Duration INITIAL_BACKOFF_DEFAULT = Duration.ofMillis(250);

  /** Longest wait between attempts by default. */
  public static final Duration MAX_BACKOFF_DEFAULT = Duration.ofSeconds(30);

  /** Response-header timeout by default. */
  public static final Duration REQUEST_TIMEOUT_DEFAULT = Duration.ofSeconds(60);

  /**
   * A rewrite rule: a {@code HOST/PATH} that starts with {@code from} (at a {@code /} boundary) is
   * fetched from {@code to} + the rest instead, e.g. {@code docker.io} to {@code
   * mirror.lab:5000/dockerhub}.
   *
   * @param from the prefix to replace
   * @param to the replacement
   */
  public record Rewrite(String from, String to) {
    /** Validates the fields. */
    public Rewrite {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
    }

    /** Applies the rule, or returns null if it does not match. */
    RegistryRef apply(RegistryRef ref) {
      String repo = ref.repository();
      if (!repo.equals(from) && !repo.startsWith(from + "/")) {
        return null;
      }
      String rewritten = to + repo.substring(from.length());
      RegistryRef r = RegistryRef.parse(RegistryRef.PREFIX + rewritten);
      return new RegistryRef(r.host(), r.path(), ref.tag(), ref.digest());
    }
  }

  /** Validates the fields. */
  public RegistryOptions {
    Objects.requireNonNull(credentials, "credentials");
    rewrites = rewrites == null ? List.of() : List.copyOf(rewrites);
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
    }
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
  }

  /** Anonymous, verified TLS, default retries. */
  public static RegistryOptions defaults() {
    return new RegistryOptions(
        Credentials.NONE,
        null,
        false,
        List.of(),
        MAX_ATTEMPTS_DEFAULT,
        INITIAL_BACKOFF_DEFAULT,
        MAX_BACKOFF_DEFAULT,
        REQUEST_TIMEOUT_DEFAULT);
  }

  /** Returns a copy with other credentials. */
  public RegistryOptions withCredentials(Credentials c) {
    return new RegistryOptions(
        c, caFile, insecure, rewrites, maxAttempts, initialBackoff, maxBackoff, requestTimeout);
  }

  /** Returns a copy with {@code insecure} set. */
  public RegistryOptions withInsecure(boolean value) {
    return new RegistryOptions(
        credentials,
        caFile,
        value,
        rewrites,
        maxAttempts,
        initialBackoff,
        maxBackoff,
        requestTimeout);
  }

  /** Returns a copy with a CA file. */
  public RegistryOptions withCaFile(Path file) {
    return new RegistryOptions(
        credentials,
        file,
        insecure,
        rewrites,
        maxAttempts,
        initialBackoff,
        maxBackoff,
        requestTimeout);
  }

  /** Returns a copy with rewrite rules. */
  public RegistryOptions withRewrites(List<Rewrite> rules) {
    return new RegistryOptions(
        credentials,
        caFile,
        insecure,
        rules,
        maxAttempts,
        initialBackoff,
        maxBackoff,
        requestTimeout);
  }

  /** Returns a copy with other retry settings. */
  public RegistryOptions withRetries(int attempts, Duration initial, Duration max) {
    return new RegistryOptions(
        credentials, caFile, insecure, rewrites, attempts, initial, max, requestTimeout);
  }

  /** Applies the first matching rewrite rule. */
  RegistryRef rewrite(RegistryRef ref) {
    for (Rewrite r : rewrites) {
      RegistryRef out = r.apply(ref);
      if (out != null) {
        return out;
      }
    }
    return ref;
  }
}
