package io.regcred.provider.acr;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.util.Configuration;
import com.azure.core.util.ConfigurationBuilder;
import com.azure.core.util.ConfigurationSource;
import com.azure.identity.ClientAssertionCredentialBuilder;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.CredentialUnavailableException;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.aad.msal4j.MsalServiceException;
import io.fabric8.kubernetes.api.model.Secret;
import io.regcred.api.v1alpha1.AcrSource;
import io.regcred.api.v1alpha1.Source;
import io.regcred.model.Reason;
import io.regcred.model.RegistryAuth;
import io.regcred.model.RegistryToken;
import io.regcred.model.TenantIdentity;
import io.regcred.provider.BoundedBody;
import io.regcred.provider.Causes;
import io.regcred.provider.ErrorCodes;
import io.regcred.provider.ProviderHttp;
import io.regcred.provider.RegistryHosts;
import io.regcred.provider.SecretData;
import io.regcred.provider.SourceException;
import io.regcred.provider.SourceSecrets;
import io.regcred.provider.TokenProvider;
import io.regcred.provider.tenant.TenantTokenSupplier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Azure Container Registry: an Entra ID token for the ACR audience, from a client secret, workload
 * identity or managed identity, exchanged at the registry's {@code /oauth2/exchange} for an ACR
 * refresh token. Docker logins use the null GUID as username and the refresh token as password; the
 * refresh token's {@code exp} claim is the credential's expiry. The Entra token is the operator's
 * own identity, so it goes only to a registry of the spec's cloud or a server the operator lists
 * ({@link RegistryHosts#acrServerProblem}).
 *
 * <p>Messages of {@link SourceException}s name the step, HTTP status, exception class or a known
 * OAuth or registry error code ({@link ErrorCodes}) only: response bodies, {@code
 * error_description} and the identity library's exception texts may echo a secret or an assertion
 * and are never used.
 */
public final class AcrTokenProvider implements TokenProvider {

  /**
   * The ACR audience. It is the same in every cloud (the Azure CLI asks for {@code
   * https://containerregistry.azure.net} whatever the cloud); only the authority differs. The ARM
   * audience would work only while the registry still allows authentication-as-ARM.
   */
  public static final String ACR_AUDIENCE = "https://containerregistry.azure.net";

  public static final String ENTRA_SCOPE = ACR_AUDIENCE + "/.default";

  /** The username docker and the kubelet send with an ACR refresh token. */
  public static final String USERNAME = "00000000-0000-0000-0000-000000000000";

  /** Key of the client secret in {@code spec.source.acr.credentialsSecretRef}. */
  public static final String CLIENT_SECRET_KEY = "clientSecret";

  private static final String ENTRA_STEP = "Entra ID token";
  private static final String EXCHANGE_STEP = "ACR token exchange";

  private static final Set<Class<?>> WRAPPERS =
      Set.of(RuntimeException.class, ExecutionException.class, CompletionException.class);

  private final SourceSecrets secrets;
  private final Clock clock;
  private final AzureSettings settings;
  private final ProviderHttp http;
  private final com.azure.core.http.HttpClient entraHttp;
  private final HttpClient acrHttp;
  private final Configuration configuration;
  private final ObjectMapper json = new ObjectMapper();

  public AcrTokenProvider(
      SourceSecrets secrets, Clock clock, AzureSettings settings, ProviderHttp http) {
    this.secrets = secrets;
    this.clock = clock;
    this.settings = settings;
    this.http = http;
    this.entraHttp =
        new JdkHttpClientBuilder(
                HttpClient.newBuilder()
                    .sslContext(http.sslContext())
                    .connectTimeout(http.timeout()))
            .connectionTimeout(http.timeout())
            .responseTimeout(http.timeout())
            .readTimeout(http.timeout())
            .build();
    this.acrHttp =
        HttpClient.newBuilder()
            .sslContext(http.sslContext())
            .connectTimeout(http.timeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    // The identity library reads AZURE_* variables from this, not from the process environment.
    ConfigurationSource none = path -> Map.of();
    Map<String, String> env = settings.env();
    this.configuration = new ConfigurationBuilder(none, none, path -> env).build();
  }

  @Override
  public boolean supports(Source source) {
    return source.getAcr() != null;
  }

  @Override
  public RegistryToken fetch(Source source) throws SourceException {
    AcrSource spec = source.getAcr();
    // Checked before any token exists: the exchange sends the Entra token to this server.
    Optional<String> badServer =
        RegistryHosts.acrServerProblem(
            spec.getServer(), spec.getCloud(), settings.allowedServers());
    if (badServer.isPresent()) {
      throw new SourceException(Reason.InvalidSpec, badServer.get());
    }
    String tenant = firstSet(spec.getTenantId(), settings.tenantId());
    String clientId = firstSet(spec.getClientId(), settings.clientId());
    return fetchWith(spec, tenant, identity(spec, tenant, clientId));
  }

  /**
   * A token fetched with a tenant's own identity: Entra ID workload identity federation for {@code
   * identity}'s app with the tenant's ServiceAccount token as client assertion, never with the
   * operator's identity or settings. Of {@code spec} only the registry (server, cloud) is used; a
   * client secret Secret or another tenant or client would mix in another identity, so they are
   * refused.
   *
   * @param serviceAccountToken the tenant ServiceAccount's token for {@link
   *     TenantIdentity.Azure#AUDIENCE}
   */
  public RegistryToken fetch(
      AcrSource spec, TenantIdentity.Azure identity, Supplier<String> serviceAccountToken)
      throws SourceException {
    if (spec.getCredentialsSecretRef() != null
        || spec.getTenantId() != null
        || spec.getClientId() != null) {
      throw new SourceException(
          Reason.InvalidSpec,
          "with the ServiceAccount's own identity, spec.source.acr takes no credentialsSecretRef,"
              + " tenantId or clientId");
    }
    Optional<String> badServer =
        RegistryHosts.acrServerProblem(
            spec.getServer(), spec.getCloud(), settings.allowedServers());
    if (badServer.isPresent()) {
      throw new SourceException(Reason.InvalidSpec, badServer.get());
    }
    TenantTokenSupplier tokens = TenantTokenSupplier.of(identity, serviceAccountToken);
    TokenCredential credential =
        AcrTenantCredentials.credential(
            settings.authorityHost(spec.getCloud()), entraHttp, retryOptions(), identity, tokens);
    try {
      return fetchWith(
          spec,
          identity.tenantId(),
          new Identity(
              credential,
              "workload identity, tenant "
                  + identity.tenantId()
                  + ", client "
                  + identity.clientId()));
    } catch (SourceException e) {
      throw tokens.failure().orElse(e);
    }
  }

  /** The Entra token of {@code identity}, exchanged at the registry. */
  private RegistryToken fetchWith(AcrSource spec, String tenant, Identity identity)
      throws SourceException {
    String entraToken = entraToken(identity);
    // spec.scope is not sent: /oauth2/exchange takes only grant_type, service, tenant,
    // access_token (and refresh_token); a scope narrows ACR *access* tokens from /oauth2/token,
    // never the registry-wide refresh token. The field is carried for a future access-token mode.
    String refreshToken = exchange(spec.getServer(), tenant, entraToken);
    Instant expiresAt = expiry(spec.getServer(), refreshToken);
    Instant now = clock.instant();
    if (!expiresAt.isAfter(now)) {
      throw new SourceException(
          Reason.ProviderError,
          EXCHANGE_STEP + " at " + spec.getServer() + " returned a refresh token already expired");
    }
    return new RegistryToken(
        List.of(new RegistryAuth(spec.getServer(), USERNAME, refreshToken)),
        now,
        Optional.of(expiresAt));
  }

  /**
   * A built credential and a name for messages; for managed identity, also what its endpoint
   * answered.
   */
  private record Identity(
      TokenCredential credential, String description, Optional<ManagedIdentityHttp> endpoint) {
    Identity(TokenCredential credential, String description) {
      this(credential, description, Optional.empty());
    }
  }

  private Identity identity(AcrSource spec, String tenant, String clientId) throws SourceException {
    String authority = settings.authorityHost(spec.getCloud()).toString();
    if (spec.getCredentialsSecretRef() != null) {
      String clientSecret = clientSecret(spec.getCredentialsSecretRef().getName());
      requireIds("client secret", tenant, clientId);
      return new Identity(
          new ClientSecretCredentialBuilder()
              .configuration(configuration)
              .authorityHost(authority)
              .disableInstanceDiscovery()
              .httpClient(entraHttp)
              .retryOptions(retryOptions())
              .tenantId(tenant)
              .clientId(clientId)
              .clientSecret(clientSecret)
              .build(),
          "client secret, tenant " + tenant + ", client " + clientId);
    }
    Optional<String> tokenFile = settings.federatedTokenFile();
    if (tokenFile.isPresent()) {
      requireIds("workload identity", tenant, clientId);
      String assertion = federatedToken(tokenFile.get());
      // Workload identity is the client credentials grant with the projected service account
      // token as client assertion. ClientAssertionCredential sends it through our HTTP client;
      // WorkloadIdentityCredential (1.16) posts it with a bare HttpURLConnection that ignores the
      // configured client, its TLS trust and timeouts, and turns every refusal into an IOException.
      return new Identity(
          new ClientAssertionCredentialBuilder()
              .configuration(configuration)
              .authorityHost(authority)
              .disableInstanceDiscovery()
              .httpClient(entraHttp)
              .retryOptions(retryOptions())
              .tenantId(tenant)
              .clientId(clientId)
              .clientAssertion(() -> assertion)
              .build(),
          "workload identity, tenant " + tenant + ", client " + clientId);
    }
    // No retryOptions here: the library sets its own IMDS retry policy for managed identity and
    // refuses to build a pipeline that has both.
    var endpoint = new ManagedIdentityHttp(entraHttp);
    ManagedIdentityCredentialBuilder builder =
        new ManagedIdentityCredentialBuilder().configuration(configuration).httpClient(endpoint);
    if (clientId != null) {
      builder.clientId(clientId);
    }
    return new Identity(
        builder.build(),
        clientId == null ? "managed identity" : "managed identity, client " + clientId,
        Optional.of(endpoint));
  }

  private String clientSecret(String secretName) throws SourceException {
    String where = "Secret " + secrets.namespace() + "/" + secretName;
    Secret secret =
        secrets
            .get(secretName)
            .orElseThrow(
                () -> new SourceException(Reason.SourceSecretNotFound, where + " not found"));
    SecretData data = SecretData.of(secret);
    if (!data.has(CLIENT_SECRET_KEY)) {
      throw new SourceException(
          Reason.SourceSecretInvalid, where + " has no " + CLIENT_SECRET_KEY + " key");
    }
    return data.text(CLIENT_SECRET_KEY).strip();
  }

  /** The projected service account token, read afresh on every fetch (the kubelet rotates it). */
  private static String federatedToken(String path) throws SourceException {
    String where = "workload identity token file " + path;
    String token;
    try {
      token = Files.readString(Path.of(path), StandardCharsets.UTF_8).strip();
    } catch (IOException | InvalidPathException e) {
      throw new SourceException(
          Reason.CredentialUnavailable,
          where + " cannot be read (" + e.getClass().getSimpleName() + ")");
    }
    if (token.isEmpty()) {
      throw new SourceException(Reason.CredentialUnavailable, where + " is empty");
    }
    return token;
  }

  private static void requireIds(String kind, String tenant, String clientId)
      throws SourceException {
    if (tenant == null) {
      throw new SourceException(
          Reason.CredentialUnavailable,
          kind + " needs a tenant: set spec.source.acr.tenantId or AZURE_TENANT_ID");
    }
    if (clientId == null) {
      throw new SourceException(
          Reason.CredentialUnavailable,
          kind + " needs a client id: set spec.source.acr.clientId or AZURE_CLIENT_ID");
    }
  }

  /** A bounded retry: the reconciler retries failed fetches with its own backoff. */
  private static RetryOptions retryOptions() {
    return new RetryOptions(
        new ExponentialBackoffOptions()
            .setMaxRetries(2)
            .setBaseDelay(Duration.ofMillis(500))
            .setMaxDelay(Duration.ofSeconds(4)));
  }

  private String entraToken(Identity identity) throws SourceException {
    AccessToken token;
    try {
      token = identity.credential().getTokenSync(new TokenRequestContext().addScopes(ENTRA_SCOPE));
    } catch (RuntimeException e) {
      Optional<SourceException> noIdentity =
          identity
              .endpoint()
              .flatMap(endpoint -> noManagedIdentity(identity.description(), endpoint));
      throw noIdentity.orElseGet(() -> entraFailure(identity.description(), e));
    }
    if (token == null || token.getToken() == null || token.getToken().isEmpty()) {
      throw new SourceException(
          Reason.ProviderError, ENTRA_STEP + " (" + identity.description() + ") came back empty");
    }
    return token.getToken();
  }

  /**
   * A managed identity request that found no identity to ask with: the endpoint answered 400, as
   * IMDS does when no managed identity (or not the one named) is assigned to the node, or there was
   * no endpoint to connect to, as anywhere outside Azure.
   */
  static Optional<SourceException> noManagedIdentity(
      String description, ManagedIdentityHttp endpoint) {
    String step = ENTRA_STEP + " (" + description + ")";
    String instead = "; assign one to the node, or use workload identity or a client secret Secret";
    if (endpoint.lastStatus().equals(java.util.OptionalInt.of(400))) {
      return Optional.of(
          new SourceException(
              Reason.CredentialUnavailable,
              step
                  + ": no managed identity is assigned here, or not this one (the managed identity"
                  + " endpoint answered HTTP 400)"
                  + instead));
    }
    return endpoint
        .unreachable()
        .map(
            cause ->
                new SourceException(
                    Reason.CredentialUnavailable,
                    step
                        + ": no managed identity endpoint could be reached ("
                        + cause
                        + "), so there is no managed identity here"
                        + instead));
  }

  /** Maps an identity library failure by exception types and OAuth codes, never its message. */
  static SourceException entraFailure(String description, Throwable e) {
    String step = ENTRA_STEP + " (" + description + ")";
    MsalServiceException service = Causes.find(e, MsalServiceException.class);
    if (service != null) {
      Integer status = service.statusCode();
      String code = ErrorCodes.oauth(service.errorCode());
      String detail =
          (code == null ? "" : code + ", ")
              + (status == null || status == 0 ? "no HTTP status" : "HTTP " + status);
      if (status != null && (status >= 500 || status == 429)) {
        return new SourceException(Reason.ProviderUnavailable, step + " failed: " + detail);
      }
      return new SourceException(Reason.AccessDenied, step + " was refused: " + detail);
    }
    CredentialUnavailableException unavailable =
        Causes.find(e, CredentialUnavailableException.class);
    if (unavailable != null) {
      return new SourceException(
          Reason.CredentialUnavailable,
          step + " is unavailable (" + Causes.names(e, WRAPPERS) + ")");
    }
    if (Causes.find(e, IOException.class) != null
        || Causes.find(e, UncheckedIOException.class) != null
        || Causes.find(e, TimeoutException.class) != null) {
      return new SourceException(
          Reason.ProviderUnreachable,
          step + ": the authority could not be reached (" + Causes.names(e, WRAPPERS) + ")");
    }
    if (Causes.find(e, ClientAuthenticationException.class) != null) {
      return new SourceException(
          Reason.AccessDenied, step + " failed (" + Causes.names(e, WRAPPERS) + ")");
    }
    return new SourceException(
        Reason.ProviderError, step + " failed (" + Causes.names(e, WRAPPERS) + ")");
  }

  private String exchange(String server, String tenant, String entraToken) throws SourceException {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "access_token");
    form.put("service", host(server));
    if (tenant != null) {
      form.put("tenant", tenant);
    }
    form.put("access_token", entraToken);
    String where = EXCHANGE_STEP + " at " + server;
    HttpRequest request;
    try {
      request =
          HttpRequest.newBuilder(URI.create("https://" + server + "/oauth2/exchange"))
              .timeout(http.timeout())
              .header("Content-Type", "application/x-www-form-urlencoded")
              .header("Accept", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(encode(form)))
              .build();
    } catch (IllegalArgumentException e) {
      throw new SourceException(Reason.ProviderError, where + ": the server is not a valid host");
    }
    HttpResponse<byte[]> response = send(request, where);
    int status = response.statusCode();
    if (status != 200) {
      String code = errorCode(response.body());
      String detail = "HTTP " + status + (code == null ? "" : ", " + code);
      if (status == 401 || status == 403) {
        throw new SourceException(Reason.AccessDenied, where + " was refused: " + detail);
      }
      if (status >= 500 || status == 429) {
        throw new SourceException(Reason.ProviderUnavailable, where + " failed: " + detail);
      }
      throw new SourceException(Reason.ProviderError, where + " failed: " + detail);
    }
    JsonNode body;
    try {
      body = json.readTree(response.body());
    } catch (IOException e) {
      throw new SourceException(Reason.ProviderError, where + " returned a body that is not JSON");
    }
    JsonNode refreshToken = body == null ? null : body.get("refresh_token");
    if (refreshToken == null || !refreshToken.isTextual() || refreshToken.asText().isEmpty()) {
      throw new SourceException(Reason.ProviderError, where + " returned no refresh_token");
    }
    return refreshToken.asText();
  }

  /**
   * One exchange, bounded in time from the request to the last byte of the body (the request
   * timeout alone ends when the headers arrive) and in size ({@link BoundedBody}).
   */
  private HttpResponse<byte[]> send(HttpRequest request, String where) throws SourceException {
    CompletableFuture<HttpResponse<byte[]>> call =
        acrHttp.sendAsync(request, BoundedBody.handler());
    try {
      return call.get(http.timeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw timedOut(where);
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw new SourceException(Reason.ProviderUnreachable, where + " was interrupted");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (Causes.find(cause, BoundedBody.TooLargeException.class) != null) {
        throw new SourceException(
            Reason.ProviderError, where + " answered with a body larger than " + BoundedBody.LIMIT);
      }
      if (Causes.find(cause, HttpTimeoutException.class) != null) {
        throw timedOut(where);
      }
      throw new SourceException(
          Reason.ProviderUnreachable,
          where + ": the registry could not be reached (" + Causes.names(cause, WRAPPERS) + ")");
    }
  }

  private SourceException timedOut(String where) {
    return new SourceException(
        Reason.ProviderUnreachable, where + " timed out after " + readable(http.timeout()));
  }

  /**
   * The expiry of a JWT from its {@code exp} claim (seconds since the epoch). The token is never
   * assumed to live a fixed time: documentation says about 3 h, observed tokens differ.
   */
  private Instant expiry(String server, String jwt) throws SourceException {
    String where = EXCHANGE_STEP + " at " + server + " returned a refresh token ";
    String[] parts = jwt.split("\\.", -1);
    if (parts.length != 3) {
      throw new SourceException(
          Reason.ProviderError, where + "that is not a JWT; its expiry is unknown");
    }
    JsonNode claims;
    try {
      claims = json.readTree(Base64.getUrlDecoder().decode(parts[1]));
    } catch (IllegalArgumentException | IOException e) {
      throw new SourceException(
          Reason.ProviderError,
          where + "whose claims are not base64url JSON; its expiry is unknown");
    }
    JsonNode exp = claims == null ? null : claims.get("exp");
    if (exp == null || !exp.isNumber()) {
      throw new SourceException(
          Reason.ProviderError, where + "without an exp claim; its expiry is unknown");
    }
    return Instant.ofEpochSecond(exp.asLong());
  }

  /** A known ACR error code ({@code {"errors":[{"code":"UNAUTHORIZED",...}]}}) or OAuth error. */
  private String errorCode(byte[] body) {
    if (body == null || body.length == 0) {
      return null;
    }
    try {
      JsonNode node = json.readTree(body);
      if (node == null) {
        return null;
      }
      JsonNode errors = node.get("errors");
      if (errors != null && errors.isArray() && errors.size() > 0) {
        return ErrorCodes.registry(errors.get(0).path("code").asText(null));
      }
      return ErrorCodes.oauth(node.path("error").asText(null));
    } catch (IOException e) {
      return null;
    }
  }

  /** The registry host without a port: the {@code service} ACR expects. */
  static String host(String server) {
    int colon = server.lastIndexOf(':');
    return colon < 0 ? server : server.substring(0, colon);
  }

  private static String encode(Map<String, String> form) {
    return form.entrySet().stream()
        .map(
            e ->
                URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                    + "="
                    + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  private static String firstSet(String value, Optional<String> fallback) {
    return value != null && !value.isBlank() ? value.strip() : fallback.orElse(null);
  }

  private static String readable(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
