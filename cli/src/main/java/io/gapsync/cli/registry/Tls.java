package io.gapsync.cli.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/** Builds the TLS context of the registry client: JDK defaults, a custom CA file, or none. */
final class Tls {

  private Tls() {}

  /**
   * Returns the SSL context for the options.
   *
   * @param caFile PEM certificates to trust (instead of the JDK's), or null
   * @param insecure if true, no certificate or host name is checked
   * @return the context
   * @throws RegistryException with {@code CONFIG} if the CA file cannot be used
   */
  static SSLContext context(Path caFile, boolean insecure) throws RegistryException {
    try {
      if (insecure) {
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, new TrustManager[] {new TrustAll()}, null);
        return c;
      }
      if (caFile == null) {
        return SSLContext.getDefault();
      }
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      try (InputStream in = Files.newInputStream(caFile)) {
        for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          ks.setCertificateEntry("ca-" + i++, cert);
        }
      }
      if (i == 0) {
        throw RegistryException.failed(
            RegistryException.Code.CONFIG,
            "load CA certificates from " + caFile,
            "it holds no PEM certificate",
            "give a file with -----BEGIN CERTIFICATE----- blocks");
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext c = SSLContext.getInstance("TLS");
      c.init(null, tmf.getTrustManagers(), null);
      return c;
    } catch (IOException | GeneralSecurityException e) {
      throw new RegistryException(
          RegistryException.Code.CONFIG,
          "Tried to set up TLS with CA file " + caFile + " but failed because " + e,
          e);
    }
  }

  /**
   * Accepts every certificate and host name ({@code --insecure} only). Being an extended trust
   * manager, it also replaces the JDK's host name check.
   */
  private static final class TrustAll extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
