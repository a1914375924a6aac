package io.gapsync.cli.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Registry credentials read from a docker-style {@code config.json} / containers {@code auth.json}:
 * {@code {"auths": {"HOST": {"auth": base64("user:password")}}}} (or {@code username} and {@code
 * password} fields). Credential helpers ({@code credsStore}) are not run. Lookup is by registry
 * host; for Docker Hub the legacy key {@code https://index.docker.io/v1/} also matches.
 */
public final class Credentials {

  /**
   * A user name and password for basic auth and for the token endpoint.
   *
   * @param user the user name
   * @param password the password or access token
   */
  public record Login(String user, String password) {
    @Override
    public String toString() {
      return "Login[" + user + ", password hidden]";
    }
  }

  /** No credentials: every registry is used anonymously. */
  public static final Credentials NONE = new Credentials(Map.of());

  /** Largest auth file read. */
  static final int MAX_FILE_BYTES = 1024 * 1024;

  private final Map<String, Login> byHost;

  private Credentials(Map<String, Login> byHost) {
    this.byHost = Map.copyOf(byHost);
  }

  /**
   * Creates credentials from a map (tests and sync sets).
   *
   * @param byHost host to login
   * @return the credentials
   */
  public static Credentials of(Map<String, Login> byHost) {
    return new Credentials(byHost);
  }

  /**
   * Reads an auth file.
   *
   * @param file the file
   * @return the credentials
   * @throws RegistryException with {@code CONFIG} if it cannot be read or is malformed
   */
  public static Credentials read(Path file) throws RegistryException {
    byte[] bytes;
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw RegistryException.failed(
            RegistryException.Code.CONFIG,
            "read registry credentials from " + file,
            "it is larger than " + MAX_FILE_BYTES + " bytes",
            "point --authfile at a docker config.json or containers auth.json");
      }
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      if (e instanceof RegistryException re) {
        throw re;
      }
      throw new RegistryException(
          RegistryException.Code.CONFIG,
          "Tried to read registry credentials from " + file + " but failed because " + e,
          e);
    }
    Map<String, Login> out = new HashMap<>();
    try {
      JsonNode auths = new ObjectMapper().readTree(bytes).path("auths");
      for (var e : auths.properties()) {
        Login login = loginOf(e.getValue());
        if (login != null) {
          out.put(normalizeHost(e.getKey()), login);
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      throw RegistryException.failed(
          RegistryException.Code.CONFIG,
          "read registry credentials from " + file,
          "it is not a docker config.json / auth.json (" + e.getMessage() + ")",
          "fix the file or log in again with podman/skopeo login --authfile " + file);
    }
    return new Credentials(out);
  }

  private static Login loginOf(JsonNode entry) {
    if (entry.hasNonNull("auth") && !entry.get("auth").asText().isEmpty()) {
      String decoded =
          new String(
              Base64.getDecoder().decode(entry.get("auth").asText()), StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("an \"auth\" value is not base64 of user:password");
      }
      return new Login(decoded.substring(0, colon), decoded.substring(colon + 1));
    }
    if (entry.hasNonNull("username") && entry.hasNonNull("password")) {
      return new Login(entry.get("username").asText(), entry.get("password").asText());
    }
    return null;
  }

  /** Strips a scheme and path: {@code https://index.docker.io/v1/} becomes {@code docker.io}. */
  static String normalizeHost(String key) {
    String h = key.replaceFirst("^[a-z]+://", "");
    int slash = h.indexOf('/');
    if (slash >= 0) {
      h = h.substring(0, slash);
    }
    if (h.equals("index.docker.io") || h.equals("registry-1.docker.io")) {
      h = "docker.io";
    }
    return h;
  }

  /**
   * Returns the login for a registry host.
   *
   * @param host the host as in a {@link RegistryRef}, e.g. {@code docker.io} or {@code
   *     127.0.0.1:5000}
   * @return the login, if any
   */
  public Optional<Login> forHost(String host) {
    return Optional.ofNullable(byHost.get(normalizeHost(host)));
  }
}
