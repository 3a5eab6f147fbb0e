package io.regcred.provider.acr;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsServer;
import io.regcred.provider.EndlessBody;
import io.regcred.provider.TestTls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An ACR login server's {@code POST /oauth2/exchange} over HTTPS: checks the form against what
 * {@link FakeEntra} issued and answers {@code {"refresh_token":"<JWT>"}} whose {@code exp} is the
 * configured lifetime from now (3 h by default). It can refuse, fail, stall, or leave out {@code
 * exp}, or answer with a body that never ends. Refusals echo the access token back, as a careless
 * server might.
 *
 * <p>It is also the registry, as ACR answers a docker client: {@code GET /v2/} challenges with
 * {@code Bearer realm="https://<server>/oauth2/token",service="<host>"}; {@code GET /oauth2/token}
 * takes Basic {@code 00000000-0000-0000-0000-000000000000:<refresh token it issued>} and answers
 * {@code {"access_token":...}}, which {@code /v2/} then accepts.
 */
public final class FakeAcr implements AutoCloseable {

  private final HttpsServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final FakeEntra entra;
  private final String tenant;
  private final Clock clock;
  private volatile Duration lifetime = Duration.ofHours(3);
  private volatile int failStatus;
  private volatile String failBody;
  private volatile Map<String, String> failHeaders = Map.of();
  private volatile Duration delay = Duration.ZERO;
  private volatile boolean omitExp;
  private volatile int endlessStatus;
  private volatile long endlessPauseMillis;
  private final EndlessBody endless = new EndlessBody();
  private final AtomicInteger exchangeCalls = new AtomicInteger();
  private final List<String> issued = new CopyOnWriteArrayList<>();
  private final List<Map<String, String>> forms = new CopyOnWriteArrayList<>();
  private final List<String> registryAccessTokens = new CopyOnWriteArrayList<>();
  private final List<TokenRequest> tokenRequests = new CopyOnWriteArrayList<>();
  private final List<String> registryAuthorizations = new CopyOnWriteArrayList<>();

  /** A docker client's {@code GET /oauth2/token}: its query and Authorization header. */
  public record TokenRequest(Map<String, String> query, String authorization) {}

  /** The user name of ACR refresh-token logins. */
  public static final String NULL_GUID = "00000000-0000-0000-0000-000000000000";

  public FakeAcr(FakeEntra entra, String tenant, Clock clock) throws IOException {
    this.entra = entra;
    this.tenant = tenant;
    this.clock = clock;
    this.server = TestTls.get().newServer();
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /** The login server as spec.source.acr.server: {@code 127.0.0.1:<port>}. */
  public String server() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  public void lifetime(Duration lifetime) {
    this.lifetime = lifetime;
  }

  /** Answer every exchange with this status (0: behave normally). */
  void failWith(int status) {
    this.failStatus = status;
  }

  /** Answer every exchange with this status, JSON body and extra headers. */
  void failWith(int status, String body, Map<String, String> headers) {
    this.failBody = body;
    this.failHeaders = headers;
    this.failStatus = status;
  }

  /** Wait this long before answering. */
  void delay(Duration delay) {
    this.delay = delay;
  }

  void omitExp(boolean omitExp) {
    this.omitExp = omitExp;
  }

  /**
   * Answer every exchange with this status and a body that never ends (0: behave normally), one
   * byte every {@code pauseMillis} (0: as fast as the client reads).
   */
  void endlessBody(int status, long pauseMillis) {
    this.endlessStatus = status;
    this.endlessPauseMillis = pauseMillis;
  }

  /** Bytes of endless bodies the clients took. */
  long endlessBytesWritten() {
    return endless.written();
  }

  public int exchangeCalls() {
    return exchangeCalls.get();
  }

  /** Refresh tokens handed out, in order. */
  public List<String> issued() {
    return List.copyOf(issued);
  }

  List<Map<String, String>> forms() {
    return List.copyOf(forms);
  }

  /** The token requests a docker client made, in order. */
  public List<TokenRequest> tokenRequests() {
    return List.copyOf(tokenRequests);
  }

  /** The Authorization header of each {@code GET /v2/} ({@code ""} when absent). */
  public List<String> registryAuthorizations() {
    return List.copyOf(registryAuthorizations);
  }

  /** Registry access tokens handed out by {@code /oauth2/token}. */
  public List<String> registryAccessTokens() {
    return List.copyOf(registryAccessTokens);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if ("GET".equals(exchange.getRequestMethod())
          && "/v2/".equals(exchange.getRequestURI().getPath())) {
        registry(exchange);
        return;
      }
      if ("GET".equals(exchange.getRequestMethod())
          && "/oauth2/token".equals(exchange.getRequestURI().getPath())) {
        registryToken(exchange);
        return;
      }
      if (!"POST".equals(exchange.getRequestMethod())
          || !"/oauth2/exchange".equals(exchange.getRequestURI().getPath())) {
        System.err.println(
            "FakeAcr: unexpected " + exchange.getRequestMethod() + " " + exchange.getRequestURI());
        FakeEntra.send(exchange, 404, "{\"errors\":[{\"code\":\"NOT_FOUND\"}]}");
        return;
      }
      exchangeCalls.incrementAndGet();
      if (!delay.isZero()) {
        try {
          Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
      Map<String, String> form =
          FakeEntra.form(new String(exchange.getRequestBody().readAllBytes()));
      forms.add(form);
      String echo = form.getOrDefault("access_token", "");
      if (endlessStatus != 0) {
        endless.send(
            exchange,
            endlessStatus,
            "application/json",
            endlessStatus == 200
                ? "{\"refresh_token\":\""
                : "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"" + echo,
            'a',
            endlessPauseMillis);
        return;
      }
      if (failStatus != 0 && failBody != null) {
        failHeaders.forEach(exchange.getResponseHeaders()::set);
        FakeEntra.send(exchange, failStatus, failBody);
        return;
      }
      if (failStatus != 0) {
        FakeEntra.send(
            exchange,
            failStatus,
            "{\"errors\":[{\"code\":\""
                + codeFor(failStatus)
                + "\",\"message\":\""
                + echo
                + "\"}]}");
        return;
      }
      boolean ok =
          contentType != null
              && contentType.startsWith("application/x-www-form-urlencoded")
              && "access_token".equals(form.get("grant_type"))
              && "127.0.0.1".equals(form.get("service"))
              && tenant.equals(form.get("tenant"))
              && entra.issued(form.get("access_token"));
      if (!ok) {
        FakeEntra.send(
            exchange,
            401,
            "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad token " + echo + "\"}]}");
        return;
      }
      String token = jwt();
      issued.add(token);
      FakeEntra.send(exchange, 200, "{\"refresh_token\":\"" + token + "\"}");
    }
  }

  /** {@code /v2/}: 200 with an access token from {@code /oauth2/token}, else the challenge. */
  private void registry(HttpExchange exchange) throws IOException {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    registryAuthorizations.add(authorization == null ? "" : authorization);
    if (authorization != null
        && authorization.startsWith("Bearer ")
        && registryAccessTokens.contains(authorization.substring("Bearer ".length()))) {
      FakeEntra.send(exchange, 200, "{}");
      return;
    }
    exchange
        .getResponseHeaders()
        .set(
            "WWW-Authenticate",
            "Bearer realm=\"https://"
                + server()
                + "/oauth2/token\",service=\""
                + AcrTokenProvider.host(server())
                + "\"");
    FakeEntra.send(
        exchange,
        401,
        "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
  }

  /**
   * {@code /oauth2/token}: Basic with the null GUID and a refresh token this fake issued, for this
   * registry as {@code service}, gives an access token.
   */
  private void registryToken(HttpExchange exchange) throws IOException {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    String rawQuery = exchange.getRequestURI().getRawQuery();
    Map<String, String> query = FakeEntra.form(rawQuery == null ? "" : rawQuery);
    tokenRequests.add(new TokenRequest(query, authorization));
    String expected = null;
    String presented = null;
    if (authorization != null && authorization.startsWith("Basic ")) {
      try {
        presented =
            new String(
                Base64.getDecoder().decode(authorization.substring("Basic ".length())),
                StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        presented = null;
      }
    }
    for (String refreshToken : issued) {
      if ((NULL_GUID + ":" + refreshToken).equals(presented)) {
        expected = refreshToken;
      }
    }
    if (expected == null || !AcrTokenProvider.host(server()).equals(query.get("service"))) {
      FakeEntra.send(
          exchange,
          401,
          "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
      return;
    }
    String accessToken = "acr-access-" + UUID.randomUUID();
    registryAccessTokens.add(accessToken);
    FakeEntra.send(exchange, 200, "{\"access_token\":\"" + accessToken + "\"}");
  }

  private String jwt() {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes());
    long now = clock.instant().getEpochSecond();
    String claims =
        "{\"jti\":\"acr-refresh-"
            + UUID.randomUUID()
            + "\",\"sub\":\"someone\",\"grant_type\":\"refresh_token\",\"iat\":"
            + now
            + (omitExp ? "" : ",\"exp\":" + (now + lifetime.toSeconds()))
            + ",\"aud\":\"127.0.0.1\",\"iss\":\"Azure Container Registry\"}";
    String payload = b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    String signature = b64.encodeToString(("sig-" + UUID.randomUUID()).getBytes());
    return header + "." + payload + "." + signature;
  }

  private static String codeFor(int status) {
    return switch (status) {
      case 401 -> "UNAUTHORIZED";
      case 403 -> "DENIED";
      default -> "UNKNOWN";
    };
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
