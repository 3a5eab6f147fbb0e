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

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
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
