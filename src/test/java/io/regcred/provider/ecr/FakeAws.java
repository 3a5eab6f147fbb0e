package io.regcred.provider.ecr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.regcred.provider.EndlessBody;
import io.regcred.provider.FormBody;
import io.regcred.provider.ServiceAccountTrust;
import io.regcred.provider.TestTls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A local AWS for the ECR provider: ECR and ECR Public GetAuthorizationToken (AWS JSON 1.1) and STS
 * AssumeRole (query protocol, XML), all on {@code POST /} of one server. Every request must carry a
 * valid SigV4 signature, recomputed here, from a key the test registered, scoped to the right
 * service, region and date; session credentials must send their token. Anything else is refused
 * with the error shape the real service uses, and the refusal is recorded.
 *
 * <p>It also serves the operator's own identities: STS AssumeRoleWithWebIdentity (IRSA; also on
 * {@code POST /}, which must be unsigned and carry a web identity token registered for the role)
 * and an EKS Pod Identity agent ({@code GET} {@value #POD_IDENTITY_PATH}, whose {@code
 * Authorization} header must be the registered token). Both hand out session credentials that the
 * fake then accepts.
 *
 * <p>{@code GET /v2/} is the registry itself, as ECR answers it: a Basic challenge, and 200 for
 * {@code AWS:<password>} of a token the fake issued that has not expired on its clock.
 */
public final class FakeAws implements AutoCloseable {

  public static final String DEFAULT_REGISTRY_ID = "123456789012";
  public static final String ECR_TARGET =
      "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
  public static final String ECR_PUBLIC_TARGET = "SpencerFrontendService.GetAuthorizationToken";
  public static final String JSON_CONTENT_TYPE = "application/x-amz-json-1.1";
  public static final String POD_IDENTITY_PATH = "/v1/credentials";

  /** Prefixes of the secrets the fake issues (markers for canary tests). */
  public static final String ISSUED_SECRET_PREFIX = "issued-secret-";

  public static final String ISSUED_SESSION_PREFIX = "issued-session-";

  /** The operations the fake serves. */
  public enum Operation {
    ECR("ecr"),
    ECR_PUBLIC("ecr-public"),
    ASSUME_ROLE("sts"),
    /** STS AssumeRoleWithWebIdentity: unsigned. */
    WEB_IDENTITY("sts"),
    /** The EKS Pod Identity agent: not SigV4 at all. */
    POD_IDENTITY("");

    final String signingService;

    Operation(String signingService) {
      this.signingService = signingService;
    }
  }

  private record Identity(String secretKey, String sessionToken) {}

  private record Failure(int status, String code, String message, Duration delay) {}

  /** What the fake received for one AssumeRole call (no secrets in here). */
  public record AssumeRoleCall(
      String accessKeyId, String roleArn, String roleSessionName, String externalId) {}

  /**
   * What the fake received for one AssumeRoleWithWebIdentity call: the role, the session name, the
   * web identity token (a test value) and whether the request was signed (it must not be).
   */
  public record WebIdentityCall(
      String roleArn, String roleSessionName, String webIdentityToken, boolean signed) {}

  /** What the Pod Identity agent received: the path and the Authorization header (a test value). */
  public record PodIdentityCall(String path, String authorization) {}

  /**
   * One ECR token the fake issued: for which registries, its password, and when it was issued and
   * expires on the fake's clock (the earliest expiry of its registries, as the client reads it).
   */
  public record IssuedToken(
      List<String> registryIds, String password, Instant issuedAt, Instant expiresAt) {}

  /** Session credentials the fake handed out, without the secret key. */
  public record IssuedSession(String accessKeyId, String sessionToken) {}

  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final String scheme;
  private final String region;
  private final Map<String, Identity> identities = new ConcurrentHashMap<>();
  private final Map<Operation, AtomicInteger> calls = new EnumMap<>(Operation.class);
  private final Map<Operation, List<String>> keyIdsSeen = new EnumMap<>(Operation.class);
  private final Map<Operation, Queue<Failure>> pending = new EnumMap<>(Operation.class);
  private final List<String> rejections = new CopyOnWriteArrayList<>();
  private final List<String> issuedPasswords = new CopyOnWriteArrayList<>();
  private final List<IssuedToken> issuedTokens = new CopyOnWriteArrayList<>();
  private final Map<String, Duration> lifetimeByRegistry = new ConcurrentHashMap<>();
  private final List<String> assumedKeyIds = new CopyOnWriteArrayList<>();
  private final List<List<String>> registryIdRequests = new CopyOnWriteArrayList<>();
  private final List<AssumeRoleCall> assumeRoleCalls = new CopyOnWriteArrayList<>();
  private final Map<Operation, List<String>> securityTokens = new EnumMap<>(Operation.class);
  private final Map<String, String> webIdentityTokens = new ConcurrentHashMap<>();
  private final Map<String, ServiceAccountTrust> serviceAccountTrusts = new ConcurrentHashMap<>();
  private final List<WebIdentityCall> webIdentityCalls = new CopyOnWriteArrayList<>();
  private final List<IssuedSession> webIdentitySessions = new CopyOnWriteArrayList<>();
  private final List<PodIdentityCall> podIdentityCalls = new CopyOnWriteArrayList<>();
  private final List<String> registryAuthorizations = new CopyOnWriteArrayList<>();
  private final List<IssuedSession> podIdentitySessions = new CopyOnWriteArrayList<>();

  private volatile Clock clock = Clock.systemUTC();
  private volatile Duration lifetime = Duration.ofHours(12);
  private volatile String passwordPrefix = "fake-ecr-password-";
  private volatile String rawToken;
  private volatile String podIdentityToken;
  private volatile boolean podIdentityEndless;
  private final AtomicReference<Runnable> afterNextToken = new AtomicReference<>();
  private final EndlessBody endless = new EndlessBody();

  private FakeAws(HttpServer server, String scheme, String region) {
    this.server = server;
    this.scheme = scheme;
    this.region = region;
    for (Operation op : Operation.values()) {
      calls.put(op, new AtomicInteger());
      keyIdsSeen.put(op, new CopyOnWriteArrayList<>());
      pending.put(op, new ConcurrentLinkedQueue<>());
      securityTokens.put(op, new CopyOnWriteArrayList<>());
    }
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /**
   * A plain HTTP fake on 127.0.0.1 for clients in {@code region} (ECR and STS; ECR Public is always
   * us-east-1).
   */
  public static FakeAws start(String region) throws IOException {
    return new FakeAws(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), "http", region);
  }

  /** The same over HTTPS with the {@link TestTls} certificate. */
  public static FakeAws startTls(String region) throws IOException {
    return new FakeAws(TestTls.get().newServer(), "https", region);
  }

  public URI uri() {
    return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort());
  }

  /** ECR, ECR Public and STS all at this fake, as the operator's endpoint overrides set them. */
  public AwsEndpoints endpoints() {
    return new AwsEndpoints(Optional.of(uri()), Optional.of(uri()), Optional.of(uri()));
  }

  /** Accepts long-term keys. */
  public FakeAws allow(String accessKeyId, String secretKey) {
    identities.put(accessKeyId, new Identity(secretKey, null));
    return this;
  }

  /** Accepts session credentials; requests must then carry {@code X-Amz-Security-Token}. */
  public FakeAws allowSession(String accessKeyId, String secretKey, String sessionToken) {
    identities.put(accessKeyId, new Identity(secretKey, sessionToken));
    return this;
  }

  /**
   * AssumeRoleWithWebIdentity for {@code roleArn} succeeds with exactly this web identity token;
   * another token is refused with {@code InvalidIdentityToken}, an unknown role with {@code
   * AccessDenied}.
   */
  public FakeAws allowWebIdentity(String roleArn, String webIdentityToken) {
    webIdentityTokens.put(roleArn, webIdentityToken);
    return this;
  }

  /**
   * AssumeRoleWithWebIdentity for {@code roleArn} succeeds with a ServiceAccount token that {@code
   * trust} accepts, as a role whose trust policy names that ServiceAccount's OIDC subject and
   * audience: a token of another subject is refused with {@code AccessDenied}, one of another
   * audience, issuer or an expired one with {@code InvalidIdentityToken} or {@code
   * ExpiredTokenException}.
   */
  public FakeAws trustServiceAccount(String roleArn, ServiceAccountTrust trust) {
    serviceAccountTrusts.put(roleArn, trust);
    return this;
  }

  /**
   * The Pod Identity agent answers requests whose {@code Authorization} header is exactly this
   * token; others get 401.
   */
  public FakeAws allowPodIdentity(String token) {
    this.podIdentityToken = token;
    return this;
  }

  /**
   * The Pod Identity agent follows its (valid) credentials document with whitespace that never
   * ends.
   */
  public FakeAws podIdentityEndlessBody() {
    this.podIdentityEndless = true;
    return this;
  }

  /** Bytes of endless bodies the clients took. */
  public long endlessBytesWritten() {
    return endless.written();
  }

  /** The Pod Identity agent's full URI ({@code AWS_CONTAINER_CREDENTIALS_FULL_URI}). */
  public URI podIdentityUri() {
    return uri().resolve(POD_IDENTITY_PATH);
  }

  /** Stamps tokens with this clock's time (default: the system clock). */
  public FakeAws clock(Clock clock) {
    this.clock = clock;
    return this;
  }

  /** How long issued ECR tokens live (default 12 h). */
  public FakeAws tokenLifetime(Duration lifetime) {
    this.lifetime = lifetime;
    return this;
  }

  /** How long issued ECR tokens for this registry id live (default: {@link #tokenLifetime}). */
  public FakeAws tokenLifetime(String registryId, Duration lifetime) {
    lifetimeByRegistry.put(registryId, lifetime);
    return this;
  }

  /** Issued passwords start with this (a marker for canary tests). */
  public FakeAws passwordPrefix(String prefix) {
    this.passwordPrefix = prefix;
    return this;
  }

  /** Issues this base64 text as the authorization token instead of {@code AWS:<password>}. */
  public FakeAws issueRawToken(String decoded) {
    this.rawToken = decoded;
    return this;
  }

  /**
   * The next {@code count} calls of {@code op} fail with this status and error code; the message of
   * the error body is {@code message}, so tests can check it is never echoed.
   */
  public FakeAws failNext(Operation op, int count, int status, String code, String message) {
    for (int i = 0; i < count; i++) {
      pending.get(op).add(new Failure(status, code, message, Duration.ZERO));
    }
    return this;
  }

  /** The next {@code count} calls of {@code op} fail with a 500 ServerException. */
  public FakeAws failNextWithServerError(Operation op, int count) {
    String code =
        op == Operation.ECR || op == Operation.ECR_PUBLIC ? "ServerException" : "InternalFailure";
    return failNext(op, count, 500, code, "internal failure");
  }

  /**
   * The next {@code count} calls of {@code op} are answered (normally) only after {@code delay}.
   */
  public FakeAws delayNext(Operation op, int count, Duration delay) {
    for (int i = 0; i < count; i++) {
      pending.get(op).add(new Failure(0, null, null, delay));
    }
    return this;
  }

  /**
   * Runs {@code action} once, on the request's thread, as soon as the next ECR token has been sent
   * (a test kills the client there: it holds a token nobody else has seen yet).
   */
  public FakeAws afterNextToken(Runnable action) {
    afterNextToken.set(action);
    return this;
  }

  public int calls(Operation op) {
    return calls.get(op).get();
  }

  /** Access key ids of the requests for {@code op}, in order, valid or not. */
  public List<String> accessKeyIds(Operation op) {
    return List.copyOf(keyIdsSeen.get(op));
  }

  /** Why requests were refused (empty when every request was well-formed and signed). */
  public List<String> rejections() {
    return List.copyOf(rejections);
  }

  public List<String> issuedPasswords() {
    return List.copyOf(issuedPasswords);
  }

  /** The ECR tokens issued so far, in order. */
  public List<IssuedToken> issuedTokens() {
    return List.copyOf(issuedTokens);
  }

  public String lastIssuedPassword() {
    return issuedPasswords.get(issuedPasswords.size() - 1);
  }

  /** Access key ids of the session credentials AssumeRole handed out. */
  public List<String> assumedKeyIds() {
    return List.copyOf(assumedKeyIds);
  }

  public List<AssumeRoleCall> assumeRoleCalls() {
    return List.copyOf(assumeRoleCalls);
  }

  /**
   * The {@code X-Amz-Security-Token} of each signed request for {@code op}, in order ({@code ""}
   * when absent).
   */
  public List<String> securityTokens(Operation op) {
    return List.copyOf(securityTokens.get(op));
  }

  public List<WebIdentityCall> webIdentityCalls() {
    return List.copyOf(webIdentityCalls);
  }

  /** The session credentials AssumeRoleWithWebIdentity handed out. */
  public List<IssuedSession> webIdentitySessions() {
    return List.copyOf(webIdentitySessions);
  }

  public List<PodIdentityCall> podIdentityCalls() {
    return List.copyOf(podIdentityCalls);
  }

  /** The session credentials the Pod Identity agent handed out. */
  public List<IssuedSession> podIdentitySessions() {
    return List.copyOf(podIdentitySessions);
  }

  /**
   * The {@code Authorization} header of each {@code GET /v2/}, in order ({@code ""} when absent).
   */
  public List<String> registryAuthorizations() {
    return List.copyOf(registryAuthorizations);
  }

  /** The registryIds of each ECR request (empty list for {@code {}}). */
  public List<List<String>> registryIdRequests() {
    return List.copyOf(registryIdRequests);
  }

  /** The expiry the fake stamps on a token it issues now. */
  public Instant expiresAtNow() {
    return clock.instant().plus(lifetime);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  // --- request handling ---

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      if ("GET".equals(exchange.getRequestMethod())
          && "/v2/".equals(exchange.getRequestURI().getRawPath())) {
        registry(exchange);
        return;
      }
      if ("GET".equals(exchange.getRequestMethod())
          && POD_IDENTITY_PATH.equals(exchange.getRequestURI().getRawPath())) {
        podIdentity(exchange);
        return;
      }
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      Operation op;
      if (ECR_TARGET.equals(target)) {
        op = Operation.ECR;
      } else if (ECR_PUBLIC_TARGET.equals(target)) {
        op = Operation.ECR_PUBLIC;
      } else if (target == null && form(body).containsKey("Action")) {
        op =
            "AssumeRoleWithWebIdentity".equals(form(body).get("Action"))
                ? Operation.WEB_IDENTITY
                : Operation.ASSUME_ROLE;
      } else {
        reject(exchange, null, 400, "UnknownOperationException", "unknown X-Amz-Target");
        return;
      }
      calls.get(op).incrementAndGet();
      if (!"POST".equals(exchange.getRequestMethod())
          || !"/".equals(exchange.getRequestURI().getRawPath())) {
        reject(exchange, op, 404, "UnknownOperationException", "not POST /");
        return;
      }
      Failure failure = nextFailure(op);
      if (failure == DELAY_INTERRUPTED) {
        return;
      }
      String keyId = verify(exchange, op, body);
      if (keyId == null) {
        return;
      }
      if (failure != null) {
        sendError(exchange, op, failure.status(), failure.code(), failure.message());
        return;
      }
      switch (op) {
        case ECR -> ecr(exchange, body);
        case ECR_PUBLIC -> ecrPublic(exchange);
        case ASSUME_ROLE -> assumeRole(exchange, body, keyId);
        case WEB_IDENTITY -> webIdentity(exchange, body);
        case POD_IDENTITY -> throw new IllegalStateException("not a POST operation");
      }
    } catch (RuntimeException e) {
      rejections.add("fake failed: " + e);
      throw e;
    }
  }

  private static final Failure DELAY_INTERRUPTED = new Failure(0, null, null, Duration.ZERO);

  /**
   * The failure queued for this call of {@code op}, or null; a queued delay is waited out here (and
   * gives null, or {@link #DELAY_INTERRUPTED}).
   */
  private Failure nextFailure(Operation op) {
    Failure failure = pending.get(op).poll();
    if (failure != null && !failure.delay().isZero()) {
      try {
        Thread.sleep(failure.delay().toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return DELAY_INTERRUPTED;
      }
      return null;
    }
    return failure;
  }

  /**
   * The caller's access key id if the request is well-formed and signed; else refuses it and
   * returns null. AssumeRoleWithWebIdentity must instead be unsigned; its "caller" is {@code ""}.
   */
  private String verify(HttpExchange exchange, Operation op, byte[] body) throws IOException {
    String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
    if (op == Operation.WEB_IDENTITY) {
      Map<String, String> form = form(body);
      boolean signed =
          exchange.getRequestHeaders().getFirst("Authorization") != null
              || exchange.getRequestHeaders().getFirst("X-Amz-Security-Token") != null;
      webIdentityCalls.add(
          new WebIdentityCall(
              form.get("RoleArn"),
              form.get("RoleSessionName"),
              form.get("WebIdentityToken"),
              signed));
      if (contentType == null || !contentType.startsWith("application/x-www-form-urlencoded")) {
        return reject(exchange, op, 400, "InvalidParameterValue", "content type " + contentType);
      }
      if (!"2011-06-15".equals(form.get("Version"))) {
        return reject(exchange, op, 400, "InvalidAction", "version " + form.get("Version"));
      }
      if (signed) {
        return reject(exchange, op, 400, "InvalidParameterValue", "a signed web identity call");
      }
      return "";
    }
    if (op == Operation.ASSUME_ROLE) {
      Map<String, String> form = form(body);
      if (contentType == null || !contentType.startsWith("application/x-www-form-urlencoded")) {
        return reject(exchange, op, 400, "InvalidParameterValue", "content type " + contentType);
      }
      if (!"AssumeRole".equals(form.get("Action")) || !"2011-06-15".equals(form.get("Version"))) {
        return reject(exchange, op, 400, "InvalidAction", "action " + form.get("Action"));
      }
    } else if (!JSON_CONTENT_TYPE.equals(contentType)) {
      return reject(
          exchange, op, 400, "UnrecognizedClientException", "content type " + contentType);
    }
    String expectedRegion = op == Operation.ECR_PUBLIC ? "us-east-1" : region;
    return verifySignature(exchange, op, body, expectedRegion);
  }

  private String verifySignature(
      HttpExchange exchange, Operation op, byte[] body, String expectedRegion) throws IOException {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    String amzDate = exchange.getRequestHeaders().getFirst("X-Amz-Date");
    String prefix = "AWS4-HMAC-SHA256 ";
    if (authorization == null || !authorization.startsWith(prefix) || amzDate == null) {
      return denied(exchange, op, "not SigV4-signed");
    }
    Map<String, String> parts = new LinkedHashMap<>();
    for (String part : authorization.substring(prefix.length()).split(",")) {
      String[] kv = part.strip().split("=", 2);
      if (kv.length == 2) {
        parts.put(kv[0], kv[1]);
      }
    }
    String credential = parts.get("Credential");
    String signedHeaders = parts.get("SignedHeaders");
    String signature = parts.get("Signature");
    if (credential == null || signedHeaders == null || signature == null) {
      return denied(exchange, op, "incomplete Authorization header");
    }
    String[] scope = credential.split("/");
    if (scope.length != 5 || !"aws4_request".equals(scope[4])) {
      return badSignature(exchange, op, "malformed credential scope");
    }
    String keyId = scope[0];
    keyIdsSeen.get(op).add(keyId);
    Identity identity = identities.get(keyId);
    if (identity == null) {
      return denied(exchange, op, "unknown access key id " + keyId);
    }
    String token = exchange.getRequestHeaders().getFirst("X-Amz-Security-Token");
    securityTokens.get(op).add(token == null ? "" : token);
    if (identity.sessionToken() != null && !identity.sessionToken().equals(token)) {
      return denied(exchange, op, "session credentials without their token");
    }
    if (identity.sessionToken() == null && token != null) {
      return denied(exchange, op, "a security token with long-term keys");
    }
    if (!scope[3].equals(op.signingService)) {
      return badSignature(exchange, op, "signed for service " + scope[3]);
    }
    if (!scope[2].equals(expectedRegion)) {
      return badSignature(exchange, op, "signed for region " + scope[2]);
    }
    if (amzDate.length() < 8 || !scope[1].equals(amzDate.substring(0, 8))) {
      return badSignature(exchange, op, "scope date does not match X-Amz-Date");
    }
    try {
      Instant signedAt = LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC);
      if (Duration.between(signedAt, Instant.now()).abs().compareTo(Duration.ofMinutes(15)) > 0) {
        return badSignature(exchange, op, "signature expired");
      }
    } catch (DateTimeParseException e) {
      return badSignature(exchange, op, "bad X-Amz-Date");
    }
    if (!signedHeaders.contains("host") || !signedHeaders.contains("x-amz-date")) {
      return badSignature(exchange, op, "host or x-amz-date not signed");
    }
    String expected = sign(exchange, body, signedHeaders, amzDate, scope, identity.secretKey());
    if (!MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.US_ASCII),
        signature.getBytes(StandardCharsets.US_ASCII))) {
      return badSignature(exchange, op, "signature mismatch");
    }
    return keyId;
  }

  /** SigV4 as AWS computes it: canonical request, string to sign, derived key. */
  private static String sign(
      HttpExchange exchange,
      byte[] body,
      String signedHeaders,
      String amzDate,
      String[] scope,
      String secretKey) {
    StringBuilder canonical = new StringBuilder();
    canonical.append(exchange.getRequestMethod()).append('\n');
    canonical.append(exchange.getRequestURI().getRawPath()).append('\n');
    String query = exchange.getRequestURI().getRawQuery();
    canonical.append(query == null ? "" : query).append('\n');
    for (String name : signedHeaders.split(";")) {
      List<String> values = exchange.getRequestHeaders().get(name);
      List<String> trimmed = new ArrayList<>();
      if (values != null) {
        for (String v : values) {
          trimmed.add(v.strip().replaceAll("\\s+", " "));
        }
      }
      canonical.append(name).append(':').append(String.join(",", trimmed)).append('\n');
    }
    canonical.append('\n').append(signedHeaders).append('\n').append(hex(sha256(body)));
    String credentialScope = String.join("/", scope[1], scope[2], scope[3], scope[4]);
    String stringToSign =
        "AWS4-HMAC-SHA256\n"
            + amzDate
            + "\n"
            + credentialScope
            + "\n"
            + hex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
    byte[] key = ("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8);
    for (int i = 1; i <= 4; i++) {
      key = hmac(key, scope[i]);
    }
    return hex(hmac(key, stringToSign));
  }

  private void ecr(HttpExchange exchange, byte[] body) throws IOException {
    List<String> ids = new ArrayList<>();
    JsonNode request = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
    request.path("registryIds").forEach(id -> ids.add(id.asText()));
    registryIdRequests.add(List.copyOf(ids));
    if (ids.isEmpty()) {
      ids.add(DEFAULT_REGISTRY_ID);
    }
    String decoded = newToken();
    String token = encode(decoded);
    Instant issuedAt = clock.instant();
    Instant earliest = Instant.MAX;
    StringBuilder json = new StringBuilder("{\"authorizationData\":[");
    for (int i = 0; i < ids.size(); i++) {
      if (i > 0) {
        json.append(',');
      }
      Instant expiresAt = issuedAt.plus(lifetimeByRegistry.getOrDefault(ids.get(i), lifetime));
      earliest = expiresAt.isBefore(earliest) ? expiresAt : earliest;
      json.append("{\"authorizationToken\":\"")
          .append(token)
          .append("\",\"expiresAt\":")
          .append(epochSeconds(expiresAt))
          .append(",\"proxyEndpoint\":\"https://")
          .append(ids.get(i))
          .append(".dkr.ecr.")
          .append(region)
          .append(".amazonaws.com\"}");
    }
    json.append("]}");
    issuedTokens.add(
        new IssuedToken(
            List.copyOf(ids), decoded.substring(decoded.indexOf(':') + 1), issuedAt, earliest));
    send(exchange, 200, JSON_CONTENT_TYPE, json.toString());
    Runnable action = afterNextToken.getAndSet(null);
    if (action != null) {
      action.run();
    }
  }

  private void ecrPublic(HttpExchange exchange) throws IOException {
    String json =
        "{\"authorizationData\":{\"authorizationToken\":\""
            + encode(newToken())
            + "\",\"expiresAt\":"
            + epochSeconds(expiresAtNow())
            + "}}";
    send(exchange, 200, JSON_CONTENT_TYPE, json);
  }

  private void assumeRole(HttpExchange exchange, byte[] body, String callerKeyId)
      throws IOException {
    Map<String, String> form = form(body);
    assumeRoleCalls.add(
        new AssumeRoleCall(
            callerKeyId, form.get("RoleArn"), form.get("RoleSessionName"), form.get("ExternalId")));
    Session session = newSession();
    assumedKeyIds.add(session.keyId());
    String xml =
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
            + "<AssumeRoleResult>"
            + session.xml()
            + "<AssumedRoleUser><AssumedRoleId>AROAFAKE:"
            + form.get("RoleSessionName")
            + "</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/fake/"
            + form.get("RoleSessionName")
            + "</Arn></AssumedRoleUser></AssumeRoleResult>"
            + "<ResponseMetadata><RequestId>"
            + random(8)
            + "</RequestId></ResponseMetadata></AssumeRoleResponse>";
    send(exchange, 200, "text/xml", xml);
  }

  private void webIdentity(HttpExchange exchange, byte[] body) throws IOException {
    Map<String, String> form = form(body);
    String roleArn = form.get("RoleArn");
    String sessionName = form.get("RoleSessionName");
    String token = form.get("WebIdentityToken");
    if (roleArn == null || sessionName == null || sessionName.isEmpty() || token == null) {
      reject(exchange, Operation.WEB_IDENTITY, 400, "ValidationError", "a parameter is missing");
      return;
    }
    ServiceAccountTrust trust = serviceAccountTrusts.get(roleArn);
    if (trust != null) {
      var refusal = trust.check(token);
      if (refusal.isPresent()) {
        switch (refusal.get()) {
          case SUBJECT ->
              reject(
                  exchange,
                  Operation.WEB_IDENTITY,
                  403,
                  "AccessDenied",
                  "Not authorized to perform sts:AssumeRoleWithWebIdentity on " + roleArn);
          case EXPIRED ->
              reject(
                  exchange, Operation.WEB_IDENTITY, 400, "ExpiredTokenException", "Token expired");
          case AUDIENCE ->
              reject(
                  exchange,
                  Operation.WEB_IDENTITY,
                  400,
                  "InvalidIdentityToken",
                  "Incorrect token audience for token " + token);
          default ->
              reject(
                  exchange,
                  Operation.WEB_IDENTITY,
                  400,
                  "InvalidIdentityToken",
                  "Couldn't verify token " + token);
        }
        return;
      }
      issueWebIdentitySession(exchange, sessionName);
      return;
    }
    String expected = webIdentityTokens.get(roleArn);
    if (expected == null) {
      reject(
          exchange,
          Operation.WEB_IDENTITY,
          403,
          "AccessDenied",
          "Not authorized to perform sts:AssumeRoleWithWebIdentity on " + roleArn);
      return;
    }
    if (!MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
      // Echoes the token, so that tests can check it never reaches a message.
      reject(
          exchange,
          Operation.WEB_IDENTITY,
          400,
          "InvalidIdentityToken",
          "Incorrect token audience for token " + token);
      return;
    }
    issueWebIdentitySession(exchange, sessionName);
  }

  private void issueWebIdentitySession(HttpExchange exchange, String sessionName)
      throws IOException {
    Session session = newSession();
    webIdentitySessions.add(new IssuedSession(session.keyId(), session.sessionToken()));
    String xml =
        "<AssumeRoleWithWebIdentityResponse"
            + " xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
            + "<AssumeRoleWithWebIdentityResult>"
            + "<SubjectFromWebIdentityToken>system:serviceaccount:regcred-system:regcred-operator"
            + "</SubjectFromWebIdentityToken><Audience>sts.amazonaws.com</Audience>"
            + "<AssumedRoleUser><AssumedRoleId>AROAFAKEWEBID:"
            + sessionName
            + "</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/irsa/"
            + sessionName
            + "</Arn></AssumedRoleUser>"
            + session.xml()
            + "<Provider>arn:aws:iam::123456789012:oidc-provider/oidc.eks.example</Provider>"
            + "</AssumeRoleWithWebIdentityResult>"
            + "<ResponseMetadata><RequestId>"
            + random(8)
            + "</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>";
    send(exchange, 200, "text/xml", xml);
  }

  /**
   * The registry's {@code /v2/} as ECR answers it: 401 with ECR's Basic challenge unless the
   * request presents {@code AWS:<password>} of an unexpired token this fake issued.
   */
  private void registry(HttpExchange exchange) throws IOException {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    registryAuthorizations.add(authorization == null ? "" : authorization);
    if (issuedLogin(authorization)) {
      send(exchange, 200, "application/json; charset=utf-8", "{}");
      return;
    }
    exchange
        .getResponseHeaders()
        .set(
            "WWW-Authenticate",
            "Basic realm=\"https://"
                + DEFAULT_REGISTRY_ID
                + ".dkr.ecr."
                + region
                + ".amazonaws.com/\",service=\"ecr.amazonaws.com\"");
    send(exchange, 401, "text/plain; charset=utf-8", "Not Authorized\n");
  }

  /** Whether {@code authorization} is Basic {@code AWS:<password>} of an unexpired issued token. */
  private boolean issuedLogin(String authorization) {
    if (authorization == null || !authorization.startsWith("Basic ")) {
      return false;
    }
    String decoded;
    try {
      decoded =
          new String(
              Base64.getDecoder().decode(authorization.substring("Basic ".length())),
              StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (!decoded.startsWith("AWS:")) {
      return false;
    }
    String password = decoded.substring("AWS:".length());
    Instant now = clock.instant();
    return issuedTokens.stream()
        .anyMatch(t -> t.password().equals(password) && now.isBefore(t.expiresAt()));
  }

  /** The EKS Pod Identity agent: GET with the token as the Authorization header, JSON answer. */
  private void podIdentity(HttpExchange exchange) throws IOException {
    Operation op = Operation.POD_IDENTITY;
    calls.get(op).incrementAndGet();
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    podIdentityCalls.add(new PodIdentityCall(exchange.getRequestURI().getRawPath(), authorization));
    Failure failure = nextFailure(op);
    if (failure == DELAY_INTERRUPTED) {
      return;
    }
    String expected = podIdentityToken;
    if (expected == null
        || authorization == null
        || !MessageDigest.isEqual(
            expected.getBytes(StandardCharsets.UTF_8),
            authorization.getBytes(StandardCharsets.UTF_8))) {
      // Echoes the header, so that tests can check it never reaches a message.
      reject(exchange, op, 401, "InvalidToken", "unexpected token " + authorization);
      return;
    }
    if (failure != null) {
      sendError(exchange, op, failure.status(), failure.code(), failure.message());
      return;
    }
    Session session = newSession();
    podIdentitySessions.add(new IssuedSession(session.keyId(), session.sessionToken()));
    String json =
        JSON.writeValueAsString(
            Map.of(
                "AccessKeyId", session.keyId(),
                "SecretAccessKey", session.secretKey(),
                "Token", session.sessionToken(),
                "AccountId", DEFAULT_REGISTRY_ID,
                "Expiration", session.expiration().toString()));
    if (podIdentityEndless) {
      endless.send(exchange, 200, "application/json", json, ' ', 0);
      return;
    }
    send(exchange, 200, "application/json", json);
  }

  private record Session(String keyId, String secretKey, String sessionToken, Instant expiration) {
    String xml() {
      return "<Credentials><AccessKeyId>"
          + keyId
          + "</AccessKeyId><SecretAccessKey>"
          + secretKey
          + "</SecretAccessKey><SessionToken>"
          + sessionToken
          + "</SessionToken><Expiration>"
          + expiration
          + "</Expiration></Credentials>";
    }
  }

  /** New session credentials, which the fake accepts from now on. */
  private Session newSession() {
    String keyId = "ASIA" + random(8).toUpperCase(Locale.ROOT);
    String secretKey = ISSUED_SECRET_PREFIX + random(16);
    String sessionToken = ISSUED_SESSION_PREFIX + random(24);
    allowSession(keyId, secretKey, sessionToken);
    // The SDK compares the expiry with its own clock, so this one is real time.
    Instant expiration = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
    return new Session(keyId, secretKey, sessionToken, expiration);
  }

  /** A new {@code user:password} token (or the raw one a test set). */
  private String newToken() {
    if (rawToken != null) {
      return rawToken;
    }
    String password = passwordPrefix + random(32);
    issuedPasswords.add(password);
    return "AWS:" + password;
  }

  private static String encode(String decoded) {
    return Base64.getEncoder().encodeToString(decoded.getBytes(StandardCharsets.UTF_8));
  }

  // --- errors ---

  private static boolean sts(Operation op) {
    return op == Operation.ASSUME_ROLE || op == Operation.WEB_IDENTITY;
  }

  private String denied(HttpExchange exchange, Operation op, String why) throws IOException {
    return sts(op)
        ? reject(exchange, op, 403, "InvalidClientTokenId", why)
        : reject(exchange, op, 400, "UnrecognizedClientException", why);
  }

  private String badSignature(HttpExchange exchange, Operation op, String why) throws IOException {
    return sts(op)
        ? reject(exchange, op, 403, "SignatureDoesNotMatch", why)
        : reject(exchange, op, 400, "InvalidSignatureException", why);
  }

  /**
   * Records why and answers with the service's error shape; returns null. Like some real services,
   * the message echoes request input (here the Authorization and security token headers).
   */
  private String reject(HttpExchange exchange, Operation op, int status, String code, String why)
      throws IOException {
    rejections.add((op == null ? "?" : op.name()) + ": " + code + ": " + why);
    String echo =
        why
            + "; Authorization="
            + exchange.getRequestHeaders().getFirst("Authorization")
            + "; token="
            + exchange.getRequestHeaders().getFirst("X-Amz-Security-Token");
    sendError(exchange, op, status, code, echo);
    return null;
  }

  private void sendError(HttpExchange exchange, Operation op, int status, String code, String msg)
      throws IOException {
    if (op == Operation.POD_IDENTITY) {
      send(
          exchange,
          status,
          "application/json",
          JSON.writeValueAsString(Map.of("code", code, "message", msg)));
    } else if (sts(op)) {
      String type = status >= 500 ? "Receiver" : "Sender";
      String xml =
          "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>"
              + type
              + "</Type><Code>"
              + code
              + "</Code><Message>"
              + xmlEscape(msg)
              + "</Message></Error><RequestId>"
              + random(8)
              + "</RequestId></ErrorResponse>";
      send(exchange, status, "text/xml", xml);
    } else {
      exchange.getResponseHeaders().add("x-amzn-ErrorType", code);
      String json =
          "{\"__type\":\"" + code + "\",\"message\":" + JSON.writeValueAsString(msg) + "}";
      send(exchange, status, JSON_CONTENT_TYPE, json);
    }
  }

  // --- helpers ---

  private static void send(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", contentType);
    exchange.getResponseHeaders().add("x-amzn-RequestId", random(8));
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static Map<String, String> form(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    // JSON bodies (the ECR protocol) have no form fields.
    return text.startsWith("{") ? new LinkedHashMap<>() : FormBody.parse(text);
  }

  private static String epochSeconds(Instant t) {
    return t.getEpochSecond() + "." + String.format(Locale.ROOT, "%03d", t.getNano() / 1_000_000);
  }

  private static String xmlEscape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static String random(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
