package io.regcred.provider.acr;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsServer;
import io.regcred.provider.FormBody;
import io.regcred.provider.ServiceAccountTrust;
import io.regcred.provider.TestTls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Entra ID's v2.0 token endpoint over HTTPS, enough for azure-identity and MSAL4J: {@code POST
 * /{tenant}/oauth2/v2.0/token} with the client credentials grant, authenticated by a client secret
 * or by a workload identity client assertion. Any other path is recorded and answered 404, so a
 * test can assert that the library asked for nothing else (instance discovery, OIDC metadata).
 *
 * <p>Refusals echo what the client sent in {@code error_description}, as a careless server might,
 * so tests can check that the provider never repeats it.
 */
public final class FakeEntra implements AutoCloseable {

  static final Set<String> OIDC_SCOPES = Set.of("openid", "profile", "offline_access");
  static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

  private final HttpsServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final String tenant;
  private final String clientId;
  private volatile String clientSecret;
  private volatile String assertion;
  private volatile ServiceAccountTrust federatedCredential;
  private volatile int failStatus;
  private volatile String failBody = "{\"error\":\"temporarily_unavailable\"}";
  private volatile Map<String, String> failHeaders = Map.of();
  private final AtomicInteger tokenCalls = new AtomicInteger();
  private final Set<String> issued = ConcurrentHashMap.newKeySet();
  private final List<String> unknownRequests = new CopyOnWriteArrayList<>();
  private final List<Map<String, String>> tokenForms = new CopyOnWriteArrayList<>();

  public FakeEntra(String tenant, String clientId) throws IOException {
    this.tenant = tenant;
    this.clientId = clientId;
    this.server = TestTls.get().newServer();
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /** The authority host to give azure-identity, such as {@code https://127.0.0.1:4711/}. */
  public URI authorityHost() {
    return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  /** Accept this client secret for the client id. */
  public FakeEntra acceptClientSecret(String secret) {
    this.clientSecret = secret;
    return this;
  }

  /** Accept this client assertion (the federated token file's content) for the client id. */
  FakeEntra acceptAssertion(String assertion) {
    this.assertion = assertion;
    return this;
  }

  /**
   * Accept client assertions that {@code trust} accepts, as an app registration with one federated
   * identity credential (issuer, subject, audience); refusals carry the AADSTS code Entra ID uses.
   */
  public FakeEntra trustServiceAccount(ServiceAccountTrust trust) {
    this.federatedCredential = trust;
    return this;
  }

  /** Answer every token request with this status (0: behave normally). */
  void failWith(int status) {
    this.failStatus = status;
  }

  /** Answer every token request with this status, JSON body and extra headers. */
  void failWith(int status, String body, Map<String, String> headers) {
    this.failBody = body;
    this.failHeaders = headers;
    this.failStatus = status;
  }

  public int tokenCalls() {
    return tokenCalls.get();
  }

  boolean issued(String accessToken) {
    return issued.contains(accessToken);
  }

  /** Requests to paths other than the token endpoint, as "METHOD path". */
  List<String> unknownRequests() {
    return List.copyOf(unknownRequests);
  }

  /** The forms of token requests, in order. */
  List<Map<String, String>> tokenForms() {
    return List.copyOf(tokenForms);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      if (!"POST".equals(method) || !path.equals("/" + tenant + "/oauth2/v2.0/token")) {
        unknownRequests.add(method + " " + exchange.getRequestURI());
        System.err.println("FakeEntra: unexpected " + method + " " + exchange.getRequestURI());
        send(exchange, 404, "{\"error\":\"not_found\"}");
        return;
      }
      tokenCalls.incrementAndGet();
      Map<String, String> form = form(new String(exchange.getRequestBody().readAllBytes()));
      tokenForms.add(form);
      if (failStatus != 0) {
        failHeaders.forEach(exchange.getResponseHeaders()::set);
        send(exchange, failStatus, failBody);
        return;
      }
      String problem = check(form);
      if (problem != null) {
        send(
            exchange,
            problem.equals("invalid_scope") ? 400 : 401,
            "{\"error\":\""
                + problem
                + "\",\"error_description\":\""
                + aadsts(form)
                + ": rejected "
                + form.getOrDefault("client_secret", "")
                + form.getOrDefault("client_assertion", "")
                + "\",\"error_codes\":[7000215]}");
        return;
      }
      String token = "entra-" + UUID.randomUUID();
      issued.add(token);
      send(
          exchange,
          200,
          "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599,"
              + "\"access_token\":\""
              + token
              + "\"}");
    }
  }

  private String check(Map<String, String> form) {
    if (!"client_credentials".equals(form.get("grant_type"))) {
      return "unsupported_grant_type";
    }
    if (!resourceScopes(form.get("scope")).equals(Set.of(AcrTokenProvider.ENTRA_SCOPE))) {
      System.err.println("FakeEntra: unexpected scope " + form.get("scope"));
      return "invalid_scope";
    }
    if (!clientId.equals(form.get("client_id"))) {
      return "unauthorized_client";
    }
    if (form.containsKey("client_secret")) {
      return form.get("client_secret").equals(clientSecret) ? null : "invalid_client";
    }
    if (JWT_BEARER.equals(form.get("client_assertion_type")) && federatedCredential != null) {
      return federatedCredential.check(form.get("client_assertion")).isEmpty()
          ? null
          : "invalid_client";
    }
    if (JWT_BEARER.equals(form.get("client_assertion_type"))) {
      return assertion != null && assertion.equals(form.get("client_assertion"))
          ? null
          : "invalid_client";
    }
    return "invalid_request";
  }

  /**
   * The AADSTS code of a refusal: for a federated assertion the one Entra ID gives its failure (no
   * matching federated credential, expired, unverifiable), else the invalid client secret one.
   */
  private String aadsts(Map<String, String> form) {
    ServiceAccountTrust trust = federatedCredential;
    if (trust == null || !JWT_BEARER.equals(form.get("client_assertion_type"))) {
      return "AADSTS7000215";
    }
    return switch (trust.check(form.get("client_assertion")).orElseThrow()) {
      case SUBJECT, AUDIENCE -> "AADSTS700211";
      case EXPIRED -> "AADSTS700024";
      default -> "AADSTS50027";
    };
  }

  /**
   * The scopes other than the OpenID ones MSAL4J adds to every request ({@code openid profile
   * offline_access}), which Entra ID ignores for the client credentials grant.
   */
  static Set<String> resourceScopes(String scope) {
    if (scope == null) {
      return Set.of();
    }
    return Arrays.stream(scope.split(" "))
        .filter(s -> !s.isEmpty() && !OIDC_SCOPES.contains(s))
        .collect(Collectors.toSet());
  }

  static Map<String, String> form(String body) {
    return FormBody.parse(body);
  }

  static void send(HttpExchange exchange, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
