package io.gapsync.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal token server for distribution's {@code auth: token} (docs/spec/auth/jwt.md): on {@code
 * GET /token?service=S&scope=repository:NAME:ACTIONS} with the right basic-auth login it returns an
 * RS256 JWT granting the asked actions, with the signing certificate in the {@code x5c} header so
 * distribution verifies it against its {@code rootcertbundle}. The key and certificate come from
 * {@code openssl req -x509}. Binds 127.0.0.1.
 */
final class TokenServer implements AutoCloseable {

  static final String SERVICE = "gapsync-test-registry";
  static final String ISSUER = "gapsync-test-issuer";

  private final HttpServer server;
  private final PrivateKey key;
  private final X509Certificate cert;
  private final String login;
  private final AtomicInteger issued = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();

  private TokenServer(Path dir, String user, String password) throws Exception {
    Path keyPem = dir.resolve("token-key.pem");
    Path certPem = dir.resolve("token-cert.pem");
    Peers.run(
        null,
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        keyPem.toString(),
        "-out",
        certPem.toString(),
        "-subj",
        "/CN=gapsync-test-token",
        "-days",
        "2");
    String b64 = Files.readString(keyPem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    this.key =
        KeyFactory.getInstance("RSA")
            .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
    try (var in = Files.newInputStream(certPem)) {
      this.cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    this.login = user + ":" + password;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/token",
        exchange -> {
          try (exchange) {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            String expected =
                "Basic "
                    + Base64.getEncoder().encodeToString(login.getBytes(StandardCharsets.UTF_8));
            if (!expected.equals(auth)) {
              refused.incrementAndGet();
              byte[] body = "{\"details\":\"login required\"}".getBytes(StandardCharsets.UTF_8);
              exchange.sendResponseHeaders(401, body.length);
              exchange.getResponseBody().write(body);
              return;
            }
            Map<String, String> q = query(exchange.getRequestURI().getRawQuery());
            String token = sign(user, q.get("scope"));
            issued.incrementAndGet();
            byte[] body =
                ("{\"token\":\"" + token + "\",\"expires_in\":300}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          } catch (Exception e) {
            throw new IOException(e);
          }
        });
    server.start();
  }

  /** Starts a token server that grants everything asked to {@code user:password}. */
  static TokenServer start(Path dir, String user, String password) throws Exception {
    return new TokenServer(dir, user, password);
  }

  /** Returns the {@code auth:} section of a distribution config trusting this server. */
  String registryAuthYaml(Path dir) throws Exception {
    Path bundle = dir.resolve("token-bundle.pem");
    Files.writeString(
        bundle,
        "-----BEGIN CERTIFICATE-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(cert.getEncoded())
            + "\n-----END CERTIFICATE-----\n");
    return "auth:\n  token:\n    realm: "
        + realm()
        + "\n    service: "
        + SERVICE
        + "\n    issuer: "
        + ISSUER
        + "\n    rootcertbundle: "
        + bundle
        + "\n";
  }

  String realm() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  int issued() {
    return issued.get();
  }

  int refused() {
    return refused.get();
  }

  private String sign(String subject, String scope) throws Exception {
    StringBuilder access = new StringBuilder("[");
    if (scope != null) {
      for (String s : scope.split(" ")) {
        String[] parts = s.split(":");
        if (parts.length == 3 && parts[0].equals("repository")) {
          if (access.length() > 1) {
            access.append(',');
          }
          StringBuilder actions = new StringBuilder();
          for (String a : List.of(parts[2].split(","))) {
            actions.append(actions.length() == 0 ? "" : ",").append('"').append(a).append('"');
          }
          access
              .append("{\"type\":\"repository\",\"name\":\"")
              .append(parts[1])
              .append("\",\"actions\":[")
              .append(actions)
              .append("]}");
        }
      }
    }
    access.append(']');
    long now = System.currentTimeMillis() / 1000;
    String header =
        "{\"typ\":\"JWT\",\"alg\":\"RS256\",\"x5c\":[\""
            + Base64.getEncoder().encodeToString(cert.getEncoded())
            + "\"]}";
    String claims =
        "{\"iss\":\""
            + ISSUER
            + "\",\"sub\":\""
            + subject
            + "\",\"aud\":\""
            + SERVICE
            + "\",\"exp\":"
            + (now + 300)
            + ",\"nbf\":"
            + (now - 10)
            + ",\"iat\":"
            + now
            + ",\"jti\":\""
            + issued.get()
            + "-"
            + now
            + "\",\"access\":"
            + access
            + "}";
    Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
    String signingInput =
        url.encodeToString(header.getBytes(StandardCharsets.UTF_8))
            + "."
            + url.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    Signature sig = Signature.getInstance("SHA256withRSA");
    sig.initSign(key);
    sig.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + url.encodeToString(sig.sign());
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null) {
      return out;
    }
    for (String p : raw.split("&")) {
      int eq = p.indexOf('=');
      if (eq > 0) {
        String k = URLDecoder.decode(p.substring(0, eq), StandardCharsets.UTF_8);
        String v = URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8);
        out.merge(k, v, (a, b) -> a + " " + b);
      }
    }
    return out;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
