package io.regcred.provider.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.regcred.model.DockerConfigJson;
import io.regcred.provider.FormBody;
import io.regcred.provider.TestTls;
import io.regcred.testing.SelfSigned;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A registry token server (the Docker token authentication spec) for a distribution registry with
 * {@code auth: token}: {@code GET /token?service=..&scope=..} with Basic credentials answers {@code
 * {"token": JWT}}, the JWT signed RS256 by a key whose certificate rides in its {@code x5c} header
 * and is the registry's {@code rootcertbundle}. Wrong credentials get 401. Every request is
 * recorded with its Authorization header, so a test can tell whether a credential reached it.
 */
final class TokenServer implements AutoCloseable {

  static final String ISSUER = "regcred-test-issuer";

  /** One request as received. */
  record Request(String uri, String authorization, Map<String, String> query) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final String scheme;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final String user;
  private final String password;
  private final Path certificate;
  private final X509Certificate signingCertificate;
  private final PrivateKey signingKey;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final List<String> issued = new CopyOnWriteArrayList<>();
  private volatile boolean corruptSignatures;

  private TokenServer(HttpServer server, String scheme, String user, String password, Path dir)
      throws Exception {
    this.server = server;
    this.scheme = scheme;
    this.user = user;
    this.password = password;
    this.certificate = dir.resolve("token-signing.pem");
    Path key = dir.resolve("token-signing.key");
    SelfSigned.write(key, certificate, ISSUER, null);
    this.signingCertificate =
        (X509Certificate)
            CertificateFactory.getInstance("X.509")
                .generateCertificate(Files.newInputStream(certificate));
    String pkcs8 = Files.readString(key).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    this.signingKey =
        KeyFactory.getInstance("RSA")
            .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pkcs8)));
    server.createContext("/token", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /** Over HTTPS with the {@link TestTls} certificate, issuing tokens for {@code user:password}. */
  static TokenServer https(String user, String password, Path dir) throws Exception {
    return new TokenServer(TestTls.get().newServer(), "https", user, password, dir);
  }

  /** The same over plain HTTP, a realm no credential may be sent to. */
  static TokenServer http(String user, String password, Path dir) throws Exception {
    return new TokenServer(
        HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), "http", user, password, dir);
  }

  /** The realm a registry names: {@code http(s)://127.0.0.1:<port>/token}. */
  String realm() {
    return scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  String hostPort() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /** The signing certificate: the registry's {@code rootcertbundle}. */
  Path rootCertBundle() {
    return certificate;
  }

  /** Sign tokens with a flipped bit from now on: a registry must refuse them. */
  void corruptSignatures() {
    this.corruptSignatures = true;
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  List<String> issued() {
    return List.copyOf(issued);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      String rawQuery = exchange.getRequestURI().getRawQuery();
      Map<String, String> query = FormBody.parse(rawQuery == null ? "" : rawQuery);
      requests.add(new Request(exchange.getRequestURI().toString(), authorization, query));
      if (!("Basic " + DockerConfigJson.basicAuth(user, password)).equals(authorization)) {
        ScriptedServer.reply(
            exchange, 401, Map.of(), "{\"details\":\"incorrect username or password\"}");
        return;
      }
      String token = jwt(query.get("service"), query.get("scope"));
      issued.add(token);
      ScriptedServer.reply(
          exchange,
          200,
          Map.of(),
          "{\"token\":\""
              + token
              + "\",\"access_token\":\""
              + token
              + "\",\"expires_in\":300,\"issued_at\":\""
              + Instant.now()
              + "\"}");
    } catch (Exception e) {
      ScriptedServer.reply(
          exchange, 500, Map.of(), "{\"details\":\"" + e.getClass().getSimpleName() + "\"}");
    }
  }

  /** A JWT as the token spec describes it: RS256 with x5c, and the access the scope asks for. */
  private String jwt(String service, String scope) throws Exception {
    Base64.Encoder b64url = Base64.getUrlEncoder().withoutPadding();
    ObjectNode header = JSON.createObjectNode();
    header.put("typ", "JWT");
    header.put("alg", "RS256");
    header.putArray("x5c").add(Base64.getEncoder().encodeToString(signingCertificate.getEncoded()));
    long now = Instant.now().getEpochSecond();
    ObjectNode claims = JSON.createObjectNode();
    claims.put("iss", ISSUER);
    claims.put("sub", user);
    claims.put("aud", service == null ? "" : service);
    claims.put("exp", now + 300);
    claims.put("nbf", now - 10);
    claims.put("iat", now);
    claims.put("jti", UUID.randomUUID().toString());
    ArrayNode access = claims.putArray("access");
    if (scope != null) {
      // repository:<name>:<action>[,<action>], granted as asked.
      String[] parts = scope.split(":");
      if (parts.length == 3) {
        ObjectNode entry = access.addObject();
        entry.put("type", parts[0]);
        entry.put("name", parts[1]);
        ArrayNode actions = entry.putArray("actions");
        for (String action : parts[2].split(",")) {
          actions.add(action);
        }
      }
    }
    String signingInput =
        b64url.encodeToString(JSON.writeValueAsBytes(header))
            + "."
            + b64url.encodeToString(JSON.writeValueAsBytes(claims));
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initSign(signingKey);
    rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    byte[] signature = rsa.sign();
    if (corruptSignatures) {
      signature[signature.length / 2] ^= 1;
    }
    return signingInput + "." + b64url.encodeToString(signature);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
