package io.regcred.provider.gar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.regcred.provider.EndlessBody;
import io.regcred.provider.FormBody;
import io.regcred.provider.ServiceAccountTrust;
import io.regcred.provider.SourceSecrets;
import io.regcred.provider.TestTls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local Google OAuth2 token endpoint ({@code POST /token}: the JWT-bearer grant of
 * service-account keys and the STS token exchange of external accounts) and IAM Credentials {@code
 * generateAccessToken} ({@code POST /v1/projects/-/serviceAccounts/EMAIL:generateAccessToken}),
 * plus the subject token a URL-sourced external account reads ({@code GET /subject-token}).
 *
 * <p>Assertions are verified with the test public key; requests that fail verification get the
 * OAuth error shape {@code {"error":"invalid_grant",...}} with status 400, and the description
 * echoes the submitted assertion or subject token on purpose, as a hostile or careless server
 * might, so that tests can check that no response body reaches an exception message.
 *
 * <p>It is also the registry, as Artifact Registry answers a docker client: {@code GET /v2/}
 * challenges with {@code Bearer realm="<base>/v2/token",service="<host:port>"}; {@code GET
 * /v2/token} takes Basic {@code oauth2accesstoken:<an access token this fake issued>} and answers
 * {@code {"token":...}}, which {@code /v2/} then accepts.
 */
final class FakeGoogle implements AutoCloseable {

  static final String JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
  static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
  static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
  static final String JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";
  static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
  static final String GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A canned answer that replaces the normal one. */
  record Reply(int status, String contentType, String body, Map<String, String> headers) {
    Reply(int status, String contentType, String body) {
      this(status, contentType, body, Map.of());
    }

    static Reply oauthError(int status, String code, String description) {
      return new Reply(
          status,
          "application/json",
          "{\"error\":\"" + code + "\",\"error_description\":\"" + description + "\"}");
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final String base;

  // Expectations and behaviour, set by tests.
  volatile PublicKey publicKey;
  volatile String keyId;
  volatile String clientEmail;
  volatile String subjectToken;
  volatile String audience;

  /**
   * When set, the STS exchange accepts a JWT subject token that this accepts (a pool provider
   * trusting one ServiceAccount's tokens), instead of {@link #subjectToken}.
   */
  volatile ServiceAccountTrust subjectTrust;

  volatile int expiresIn = 3599;
  volatile String accessToken = "ya29.fake-access-token";
  volatile String stsAccessToken = "ya29.fake-sts-token";
  volatile String impersonatedToken = "ya29.fake-impersonated-token";
  volatile Instant impersonatedExpiry;
  volatile Reply tokenReply;
  volatile Reply impersonationReply;
  volatile long tokenDelayMillis;

  /** When set, the token endpoint answers with this status and a body that never ends. */
  volatile int endlessTokenStatus;

  /** When set, the token endpoint answers 200 with this gzip-compressed body. */
  volatile byte[] gzippedTokenBody;

  final EndlessBody endless = new EndlessBody();

  // What was seen.
  final AtomicInteger jwtCalls = new AtomicInteger();
  final AtomicInteger stsCalls = new AtomicInteger();
  final AtomicInteger impersonationCalls = new AtomicInteger();
  final AtomicInteger subjectTokenCalls = new AtomicInteger();
  final List<String> problems = new CopyOnWriteArrayList<>();
  volatile JsonNode lastJwtHeader;
  volatile JsonNode lastJwtClaims;
  volatile Map<String, String> lastStsForm;
  volatile JsonNode lastImpersonationBody;
  final List<String> registryTokens = new CopyOnWriteArrayList<>();
  final List<String> registryTokenQueries = new CopyOnWriteArrayList<>();
  final List<String> registryAuthorizations = new CopyOnWriteArrayList<>();

  private FakeGoogle(HttpServer server, String scheme) {
    this.server = server;
    server.createContext("/token", this::token);
    server.createContext("/v1/", this::impersonation);
    server.createContext("/subject-token", this::subjectToken);
    server.createContext("/v2/", this::registry);
    server.setExecutor(executor);
    server.start();
    this.base = scheme + "://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Plain HTTP on 127.0.0.1, enough for a service-account key's {@code token_uri}. */
  static FakeGoogle http() throws IOException {
    return new FakeGoogle(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), "http");
  }

  /** HTTPS with the {@link TestTls} certificate, as external accounts require. */
  static FakeGoogle https() throws IOException {
    return new FakeGoogle(TestTls.get().newServer(), "https");
  }

  String tokenUrl() {
    return base + "/token";
  }

  /**
   * A URL-sourced subject token ({@code credential_source.url}), as a metadata server serves it.
   */
  String subjectTokenUrl() {
    return base + "/subject-token";
  }

  /** This fake as the only Google endpoints a key.json may name. */
  GoogleEndpoints endpoints() {
    return new GoogleEndpoints(
        Set.of(tokenUrl()), Set.of(tokenUrl()), Set.of(base + "/introspect"), URI.create(base));
  }

  /**
   * A provider that trusts the test certificate, asks only this fake and finds no application
   * default credentials.
   */
  GarTokenProvider provider(SourceSecrets secrets) {
    return new GarTokenProvider(
        secrets,
        Clock.systemUTC(),
        TestTls.get().providerHttp(),
        GarSettings.none(),
        endpoints(),
        transport -> {
          throw new IOException("no ADC in this test");
        });
  }

  String impersonationUrl(String email) {
    return base + "/v1/projects/-/serviceAccounts/" + email + ":generateAccessToken";
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void token(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"POST".equals(exchange.getRequestMethod())) {
        send(exchange, new Reply(405, "text/plain", "method not allowed"));
        return;
      }
      Map<String, String> form =
          form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      String grant = form.get("grant_type");
      if (JWT_BEARER.equals(grant)) {
        jwtCalls.incrementAndGet();
      } else if (TOKEN_EXCHANGE.equals(grant)) {
        stsCalls.incrementAndGet();
      }
      sleep(tokenDelayMillis);
      Reply canned = tokenReply;
      if (endlessTokenStatus != 0) {
        endless.send(
            exchange, endlessTokenStatus, "application/json", "{\"access_token\":\"", 'a', 0);
      } else if (gzippedTokenBody != null) {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Content-Encoding", "gzip");
        exchange.sendResponseHeaders(200, gzippedTokenBody.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(gzippedTokenBody);
        }
      } else if (canned != null) {
        send(exchange, canned);
      } else if (JWT_BEARER.equals(grant)) {
        send(exchange, jwtBearer(form.get("assertion")));
      } else if (TOKEN_EXCHANGE.equals(grant)) {
        lastStsForm = form;
        send(exchange, tokenExchange(form));
      } else {
        send(exchange, Reply.oauthError(400, "unsupported_grant_type", "grant " + grant));
      }
    }
  }

  private Reply jwtBearer(String assertion) {
    String problem = verifyAssertion(assertion);
    if (problem != null) {
      problems.add(problem);
      return Reply.oauthError(400, "invalid_grant", problem + "; assertion=" + assertion);
    }
    return new Reply(
        200,
        "application/json; charset=utf-8",
        "{\"access_token\":\""
            + accessToken
            + "\",\"expires_in\":"
            + expiresIn
            + ",\"token_type\":\"Bearer\"}");
  }

  /** Why the assertion is not acceptable, or null if it is. */
  private String verifyAssertion(String assertion) {
    if (assertion == null) {
      return "no assertion";
    }
    String[] parts = assertion.split("\\.");
    if (parts.length != 3) {
      return "assertion is not a compact JWS";
    }
    try {
      JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
      JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
      lastJwtHeader = header;
      lastJwtClaims = claims;
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initVerify(publicKey);
      rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      if (!rsa.verify(Base64.getUrlDecoder().decode(parts[2]))) {
        return "Invalid JWT Signature.";
      }
      if (!"RS256".equals(header.path("alg").asText())) {
        return "alg is not RS256";
      }
      if (!keyId.equals(header.path("kid").asText())) {
        return "kid does not match private_key_id";
      }
      if (!clientEmail.equals(claims.path("iss").asText())) {
        return "iss does not match client_email";
      }
      if (!List.of(claims.path("scope").asText().split(" ")).contains(SCOPE)) {
        return "scope lacks cloud-platform";
      }
      String aud = claims.path("aud").asText();
      if (!aud.equals(GOOGLE_TOKEN_URI) && !aud.equals(tokenUrl())) {
        return "aud is neither the Google token URI nor this endpoint";
      }
      long now = Instant.now().getEpochSecond();
      long iat = claims.path("iat").asLong(-1);
      long exp = claims.path("exp").asLong(-1);
      if (Math.abs(iat - now) > 60) {
        return "iat is not now";
      }
      if (exp <= iat || exp - iat > 3600) {
        return "exp is not within an hour after iat";
      }
      return null;
    } catch (Exception e) {
      return "assertion cannot be parsed: " + e.getClass().getSimpleName();
    }
  }

  private Reply tokenExchange(Map<String, String> form) {
    String problem = null;
    if (!ACCESS_TOKEN_TYPE.equals(form.get("requested_token_type"))) {
      problem = "requested_token_type is not an access token";
    } else if (form.get("subject_token_type") == null) {
      problem = "no subject_token_type";
    } else if (!audience.equals(form.get("audience"))) {
      problem = "audience does not match";
    } else if (!List.of(String.valueOf(form.get("scope")).split(" ")).contains(SCOPE)) {
      problem = "scope lacks cloud-platform";
    } else if (subjectTrust != null) {
      if (!JWT_TOKEN_TYPE.equals(form.get("subject_token_type"))) {
        problem = "subject_token_type is not a JWT";
      } else if (subjectTrust.check(form.get("subject_token")).isPresent()) {
        problem =
            "subject_token refused: "
                + subjectTrust.check(form.get("subject_token")).get().name().toLowerCase();
      }
    } else if (!subjectToken.equals(form.get("subject_token"))) {
      problem = "subject_token is not valid";
    }
    if (problem != null) {
      problems.add(problem);
      return Reply.oauthError(
          400, "invalid_grant", problem + "; subject_token=" + form.get("subject_token"));
    }
    return new Reply(
        200,
        "application/json",
        "{\"access_token\":\""
            + stsAccessToken
            + "\",\"issued_token_type\":\""
            + ACCESS_TOKEN_TYPE
            + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
  }

  private void impersonation(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      byte[] body = exchange.getRequestBody().readAllBytes();
      if (!"POST".equals(exchange.getRequestMethod()) || !path.endsWith(":generateAccessToken")) {
        send(exchange, new Reply(404, "text/plain", "not found"));
        return;
      }
      impersonationCalls.incrementAndGet();
      Reply canned = impersonationReply;
      if (canned != null) {
        send(exchange, canned);
        return;
      }
      String auth = exchange.getRequestHeaders().getFirst("Authorization");
      if (!("Bearer " + stsAccessToken).equals(auth)) {
        problems.add("impersonation without the STS token");
        send(
            exchange,
            new Reply(
                401,
                "application/json",
                "{\"error\":{\"code\":401,\"message\":\"bad credential "
                    + auth
                    + "\",\"status\":\"UNAUTHENTICATED\"}}"));
        return;
      }
      JsonNode request = JSON.readTree(body);
      lastImpersonationBody = request;
      boolean scoped = false;
      for (JsonNode s : request.path("scope")) {
        scoped |= SCOPE.equals(s.asText());
      }
      if (!scoped) {
        problems.add("impersonation scope lacks cloud-platform");
        send(
            exchange,
            new Reply(
                400,
                "application/json",
                "{\"error\":{\"code\":400,\"message\":\"scope\",\"status\":\"INVALID_ARGUMENT\"}}"));
        return;
      }
      Instant expiry =
          impersonatedExpiry != null
              ? impersonatedExpiry
              : Instant.now().plusSeconds(3600).truncatedTo(ChronoUnit.SECONDS);
      send(
          exchange,
          new Reply(
              200,
              "application/json",
              "{\"accessToken\":\""
                  + impersonatedToken
                  + "\",\"expireTime\":\""
                  + DateTimeFormatter.ISO_INSTANT.format(expiry)
                  + "\"}"));
    }
  }

  /** The registry: {@code /v2/token} and {@code /v2/}. */
  private void registry(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      String hostPort = "127.0.0.1:" + server.getAddress().getPort();
      String unauthorized =
          "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"Not Authorized.\"}]}";
      if (path.equals("/v2/token")) {
        registryTokenQueries.add(String.valueOf(exchange.getRequestURI().getRawQuery()));
        Set<String> issued = Set.of(accessToken, stsAccessToken, impersonatedToken);
        String presented = basicPassword(authorization, "oauth2accesstoken");
        if (presented == null || !issued.contains(presented)) {
          send(exchange, new Reply(401, "application/json", unauthorized));
          return;
        }
        String token = "gar-registry-" + java.util.UUID.randomUUID();
        registryTokens.add(token);
        send(
            exchange,
            new Reply(
                200,
                "application/json",
                "{\"expires_in\":43200,\"issued_at\":\""
                    + Instant.now()
                    + "\",\"token\":\""
                    + token
                    + "\"}"));
        return;
      }
      if (!path.equals("/v2/")) {
        send(exchange, new Reply(404, "application/json", "{\"errors\":[]}"));
        return;
      }
      registryAuthorizations.add(authorization == null ? "" : authorization);
      if (authorization != null
          && authorization.startsWith("Bearer ")
          && registryTokens.contains(authorization.substring("Bearer ".length()))) {
        send(exchange, new Reply(200, "application/json", "{}"));
        return;
      }
      send(
          exchange,
          new Reply(
              401,
              "application/json",
              unauthorized,
              Map.of(
                  "WWW-Authenticate",
                  "Bearer realm=\"" + base + "/v2/token\",service=\"" + hostPort + "\"")));
    }
  }

  /** The password of a Basic {@code authorization} for {@code user}, or null. */
  private static String basicPassword(String authorization, String user) {
    if (authorization == null || !authorization.startsWith("Basic ")) {
      return null;
    }
    try {
      String decoded =
          new String(
              Base64.getDecoder().decode(authorization.substring("Basic ".length())),
              StandardCharsets.UTF_8);
      return decoded.startsWith(user + ":") ? decoded.substring(user.length() + 1) : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private void subjectToken(HttpExchange exchange) throws IOException {
    try (exchange) {
      subjectTokenCalls.incrementAndGet();
      send(exchange, new Reply(200, "text/plain", subjectToken));
    }
  }

  private static Map<String, String> form(String body) {
    return FormBody.parse(body);
  }

  private static void send(HttpExchange exchange, Reply reply) throws IOException {
    byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
    reply.headers().forEach(exchange.getResponseHeaders()::set);
    exchange.getResponseHeaders().set("Content-Type", reply.contentType());
    exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void sleep(long millis) {
    if (millis <= 0) {
      return;
    }
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
