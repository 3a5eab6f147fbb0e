package io.regcred.it;

import io.regcred.testing.Ports;
import io.regcred.testing.SelfSigned;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Debian's docker-registry (CNCF distribution 2.8) on 127.0.0.1 with htpasswd or token auth and a
 * self-signed TLS certificate, plus skopeo as the real client.
 */
public final class LocalRegistry implements AutoCloseable {

  private final Path dir;
  private final int port;
  private Process process;

  private LocalRegistry(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /** Starts a registry accepting one user (htpasswd, Basic auth). */
  public static LocalRegistry start(String user, String password) throws Exception {
    LocalRegistry registry = prepare();
    registry.writeConfig(
        "auth: {htpasswd: {realm: test, path: " + registry.dir.resolve("htpasswd") + "}}");
    registry.setUser(user, password);
    return registry;
  }

  /**
   * Starts a registry with token auth (Bearer): it sends clients to {@code realm} for a token and
   * accepts JWTs that {@code issuer} issued for {@code service}, signed by a key whose certificate
   * chains to {@code rootCertBundle}.
   */
  public static LocalRegistry startWithTokenAuth(
      String realm, String service, String issuer, Path rootCertBundle) throws Exception {
    LocalRegistry registry = prepare();
    registry.writeConfig(
        "auth: {token: {realm: \""
            + realm
            + "\", service: \""
            + service
            + "\", issuer: \""
            + issuer
            + "\", rootcertbundle: "
            + rootCertBundle
            + "}}");
    registry.serve();
    return registry;
  }

  /** A directory with a self-signed certificate for 127.0.0.1 and a free port. */
  private static LocalRegistry prepare() throws Exception {
    Path dir = Files.createTempDirectory("regcred-registry");
    int port = Ports.freeLoopbackPort();
    var registry = new LocalRegistry(dir, port);
    Files.createDirectories(dir.resolve("certs"));
    SelfSigned.write(dir.resolve("key.pem"), dir.resolve("cert.pem"), "127.0.0.1", "IP:127.0.0.1");
    // skopeo trusts the certificate through --cert-dir, as a user with a private CA would.
    Files.copy(dir.resolve("cert.pem"), dir.resolve("certs/ca.crt"));
    return registry;
  }

  private void writeConfig(String auth) throws IOException {
    Files.writeString(
        dir.resolve("config.yml"),
        String.join(
            "\n",
            "version: 0.1",
            "log: {level: warn}",
            "storage: {filesystem: {rootdirectory: " + dir.resolve("data") + "}}",
            "http: {addr: 127.0.0.1:"
                + port
                + ", tls: {certificate: "
                + dir.resolve("cert.pem")
                + ", key: "
                + dir.resolve("key.pem")
                + "}}",
            auth,
            ""));
  }

  /** host:port, the server key a pull secret needs. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  public Path certDir() {
    return dir.resolve("certs");
  }

  /** The registry's self-signed TLS certificate in PEM, as a private CA bundle would hold it. */
  public String certificatePem() throws IOException {
    return Files.readString(dir.resolve("cert.pem"));
  }

  /**
   * Replaces the accepted user and restarts the registry, which reads htpasswd only at start-up.
   */
  public void setUser(String user, String password) throws Exception {
    stopProcess();
    String entry = run(List.of("htpasswd", "-Bbn", user, password));
    Files.writeString(dir.resolve("htpasswd"), entry.strip() + "\n");
    serve();
  }

  private void serve() throws Exception {
    process =
        new ProcessBuilder("docker-registry", "serve", dir.resolve("config.yml").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("registry.log").toFile())
            .start();
    waitUntilServing();
  }

  /** Pushes a minimal image (one empty layer) as {@code repository:tag}. */
  public String pushTestImage(String repository, String tag, String user, String password)
      throws Exception {
    Path layout = writeOciLayout(tag);
    String ref = "docker://" + host() + "/" + repository + ":" + tag;
    run(
        List.of(
            "skopeo",
            "copy",
            "--quiet",
            "--dest-cert-dir",
            certDir().toString(),
            "--dest-creds",
            user + ":" + password,
            "oci:" + layout + ":" + tag,
            ref));
    return ref;
  }

  /** {@code skopeo inspect} with a docker config file: the real client check. */
  public SkopeoResult inspect(String imageRef, String dockerConfigJson) throws Exception {
    Path authfile = Files.createTempFile(dir, "auth", ".json");
    Files.writeString(authfile, dockerConfigJson);
    Process p =
        new ProcessBuilder(
                "skopeo",
                "inspect",
                "--authfile",
                authfile.toString(),
                "--cert-dir",
                certDir().toString(),
                imageRef)
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("skopeo inspect timed out");
    }
    return new SkopeoResult(p.exitValue(), output);
  }

  /** The exit code and output of a skopeo run. */
  public record SkopeoResult(int exitCode, String output) {}

  @Override
  public void close() {
    stopProcess();
  }

  private void stopProcess() {
    if (process != null) {
      process.destroy();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process.destroyForcibly();
      process = null;
    }
  }

  private void waitUntilServing() throws Exception {
    HttpClient http =
        HttpClient.newBuilder()
            .sslContext(trustAll())
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    Instant deadline = Instant.now().plusSeconds(30);
    while (Instant.now().isBefore(deadline)) {
      try {
        var response =
            http.send(
                HttpRequest.newBuilder(URI.create("https://" + host() + "/v2/")).build(),
                HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 401) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(
        "docker-registry did not start; see " + dir.resolve("registry.log"));
  }

  /** Only for the readiness probe of our own throwaway registry. */
  private static SSLContext trustAll() throws Exception {
    var ctx = SSLContext.getInstance("TLS");
    ctx.init(
        null,
        new TrustManager[] {
          new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) {}

            public void checkServerTrusted(X509Certificate[] c, String a) {}

            public X509Certificate[] getAcceptedIssuers() {
              return new X509Certificate[0];
            }
          }
        },
        new SecureRandom());
    return ctx;
  }

  /** An OCI image layout with one empty layer, written from scratch. */
  private Path writeOciLayout(String tag) throws Exception {
    Path layout = dir.resolve("oci-" + tag);
    Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
    byte[] tar = new byte[1024]; // an empty tar archive: two zero blocks
    var gz = new ByteArrayOutputStream();
    try (var out = new GZIPOutputStream(gz)) {
      out.write(tar);
    }
    byte[] layer = gz.toByteArray();
    String layerDigest = blob(blobs, layer);
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:"
                + sha256(tar)
                + "\"]}}")
            .getBytes(StandardCharsets.UTF_8);
    String configDigest = blob(blobs, config);
    byte[] manifest =
        ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:"
                + configDigest
                + "\",\"size\":"
                + config.length
                + "},"
                + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:"
                + layerDigest
                + "\",\"size\":"
                + layer.length
                + "}]}")
            .getBytes(StandardCharsets.UTF_8);
    String manifestDigest = blob(blobs, manifest);
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.writeString(
        layout.resolve("index.json"),
        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:"
            + manifestDigest
            + "\",\"size\":"
            + manifest.length
            + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\""
            + tag
            + "\"}}]}");
    return layout;
  }

  private static String blob(Path blobs, byte[] content) throws Exception {
    String digest = sha256(content);
    Files.write(blobs.resolve(digest), content);
    return digest;
  }

  private static String sha256(byte[] content) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
  }

  private static String run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(command.get(0) + " failed: " + output);
    }
    return output;
  }
}
