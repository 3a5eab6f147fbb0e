package io.regcred.provider;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made once per test JVM with the JDK's
 * keytool: a server context for local fakes that must speak HTTPS (Entra ID, ACR, Google STS) and a
 * client context that trusts exactly that certificate.
 */
public final class TestTls {

  private static final char[] PASSWORD = "changeit".toCharArray();
  private static TestTls instance;

  private final SSLContext serverContext;
  private final SSLContext clientContext;
  private final String certificatePem;

  private TestTls(SSLContext serverContext, SSLContext clientContext, String certificatePem) {
    this.serverContext = serverContext;
    this.clientContext = clientContext;
    this.certificatePem = certificatePem;
  }

  public static synchronized TestTls get() {
    if (instance == null) {
      instance = create();
    }
    return instance;
  }

  /** Provider HTTP settings that trust the test certificate. */
  public ProviderHttp providerHttp() {
    return new ProviderHttp(clientContext, Duration.ofSeconds(5));
  }

  public SSLContext clientContext() {
    return clientContext;
  }

  /** The certificate in PEM, as a user would put a private CA into a bundle. */
  public String certificatePem() {
    return certificatePem;
  }

  /** An HTTPS server on 127.0.0.1 and a free port, not yet started. */
  public HttpsServer newServer() throws IOException {
    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(serverContext));
    return server;
  }

  private static TestTls create() {
    try {
      Path dir = Files.createTempDirectory("regcred-tls");
      Path keystore = dir.resolve("server.p12");
      String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
      Process p =
          new ProcessBuilder(
                  List.of(
                      keytool,
                      "-genkeypair",
                      "-alias",
                      "fake",
                      "-keyalg",
                      "RSA",
                      "-keysize",
                      "2048",
                      "-validity",
                      "2",
                      "-dname",
                      "CN=127.0.0.1",
                      "-ext",
                      "san=ip:127.0.0.1,dns:localhost",
                      "-keystore",
                      keystore.toString(),
                      "-storetype",
                      "PKCS12",
                      "-storepass",
                      new String(PASSWORD),
                      "-keypass",
                      new String(PASSWORD)))
              .redirectErrorStream(true)
              .start();
      String output = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("keytool failed: " + output);
      }
      KeyStore keys = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(keystore)) {
        keys.load(in, PASSWORD);
      }
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, PASSWORD);
      SSLContext server = SSLContext.getInstance("TLS");
      server.init(kmf.getKeyManagers(), null, null);

      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("fake", keys.getCertificate("fake"));
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext client = SSLContext.getInstance("TLS");
      client.init(null, tmf.getTrustManagers(), null);
      String pem =
          "-----BEGIN CERTIFICATE-----\n"
              + Base64.getMimeEncoder(64, new byte[] {'\n'})
                  .encodeToString(keys.getCertificate("fake").getEncoded())
              + "\n-----END CERTIFICATE-----\n";
      return new TestTls(server, client, pem);
    } catch (Exception e) {
      throw new IllegalStateException("cannot create the test TLS certificate", e);
    }
  }
}
