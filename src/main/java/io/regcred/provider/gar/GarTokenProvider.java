package io.regcred.provider.gar;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.google.api.client.http.HttpResponseException;
import com.google.auth.http.HttpTransportFactory;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import io.fabric8.kubernetes.api.model.Secret;
import io.regcred.api.v1alpha1.GarSource;
import io.regcred.api.v1alpha1.Source;
import io.regcred.model.Reason;
import io.regcred.model.RegistryAuth;
import io.regcred.model.RegistryToken;
import io.regcred.model.TenantIdentity;
import io.regcred.provider.BoundedBody;
import io.regcred.provider.Causes;
import io.regcred.provider.ProviderHttp;
import io.regcred.provider.RegistryHosts;
import io.regcred.provider.SecretData;
import io.regcred.provider.SourceException;
import io.regcred.provider.SourceSecrets;
import io.regcred.provider.TokenProvider;
import io.regcred.provider.tenant.TenantTokenSupplier;
import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * Google Artifact Registry and Container Registry: an OAuth2 access token (user {@code
 * oauth2accesstoken}, about 1 h) with the {@code cloud-platform} scope. Credentials come from a
 * service-account key or an external-account (workload identity federation) configuration in the
 * source Secret's {@code key.json}, or else from Application Default Credentials (GKE workload
 * identity through the metadata server, {@code GOOGLE_APPLICATION_CREDENTIALS}).
 *
 * <p>A key.json is used only as {@link GoogleCredentialPolicy} allows: it can name no token
 * endpoint but Google's (pinned by {@link GoogleEndpoints}, never taken from the Secret), and an
 * external account reads only a file or URL the operator lists in {@link GarSettings}. Application
 * Default Credentials come from the operator's own environment and are not restricted.
 *
 * <p>The library's own retries are switched off, so one fetch makes one token call (plus the
 * impersonation call of an external account that has one); the operator retries failed rotations.
 *
 * <p>The library caches Application Default Credentials for the life of the JVM, together with the
 * transport of the provider that first loaded them, and remembers a failed metadata-server check
 * just as long; a pod that started before its metadata server answered needs a restart.
 *
 * <p>Failure messages are built from the step, the HTTP status, the OAuth error code and exception
 * class names only, never from library messages or response bodies, which may echo a key, an
 * assertion or a token.
 */
public final class GarTokenProvider implements TokenProvider {

  /** The key of the source Secret that holds the credential configuration. */
  public static final String KEY = "key.json";

  /** The docker login user for an OAuth2 access token. */
  public static final String USERNAME = "oauth2accesstoken";

  public static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";

  /** The documented token lifetime, used only if the library reports no expiry. */
  static final Duration DOCUMENTED_LIFETIME = Duration.ofHours(1);

  static final String TOKEN_STEP = "Google OAuth2 token";
  static final String ADC_STEP = "Google Application Default Credentials";

  /**
   * Rejects duplicate keys: google-auth parses key.json with another JSON library, which must not
   * see a different value than the one checked here.
   */
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  /** Loads Application Default Credentials; a seam for tests. */
  @FunctionalInterface
  interface AdcLoader {
    GoogleCredentials load(HttpTransportFactory transport) throws IOException;
  }

  private final SourceSecrets secrets;
  private final Clock clock;
  private final HttpTransportFactory transport;
  private final AdcLoader adc;
  private final GoogleCredentialPolicy policy;
  private final GoogleEndpoints endpoints;

  /** Google's own endpoints; files and URLs of external accounts as {@code settings} allow. */
  public GarTokenProvider(
      SourceSecrets secrets, Clock clock, ProviderHttp http, GarSettings settings) {
    this(
        secrets,
        clock,
        http,
        settings,
        GoogleEndpoints.google(),
        GoogleCredentials::getApplicationDefault);
  }

  /**
   * @param endpoints the only token endpoints a key.json may name: Google's in production, the
   *     local fake's in tests
   */
  GarTokenProvider(
      SourceSecrets secrets,
      Clock clock,
      ProviderHttp http,
      GarSettings settings,
      GoogleEndpoints endpoints,
      AdcLoader adc) {
    this.secrets = secrets;
    this.clock = clock;
    this.transport = ObservedTransport.factory(http);
    this.adc = adc;
    this.endpoints = endpoints;
    this.policy =
        new GoogleCredentialPolicy(endpoints, settings, GoogleCredentialPolicy.FILE_SYSTEM);
  }

  @Override
  public boolean supports(Source source) {
    return source.getGar() != null;
  }

  @Override
  public RegistryToken fetch(Source source) throws SourceException {
    GarSource spec = source.getGar();
    List<String> servers = spec.getServers();
    Optional<String> badServers = RegistryHosts.garServersProblem(servers);
    if (badServers.isPresent()) {
      throw new SourceException(Reason.InvalidSpec, badServers.get());
    }
    Instant issuedAt = clock.instant();
    String step;
    GoogleCredentials base;
    if (spec.getCredentialsSecretRef() != null) {
      String name = spec.getCredentialsSecretRef().getName();
      String where = "Secret " + secrets.namespace() + "/" + name;
      step = TOKEN_STEP + " (" + KEY + " of " + where + ")";
      base = fromSecret(name, where);
    } else {
      step = TOKEN_STEP + " (Application Default Credentials)";
      base = applicationDefault();
    }
    return fetchWith(servers, base, step, issuedAt);
  }

  /**
   * A token fetched with a tenant's own identity: workload identity federation at {@code
   * identity}'s pool provider with the tenant's ServiceAccount token, never with the operator's
   * Application Default Credentials. Of {@code spec} only the servers are used; a key.json Secret
   * would be another identity, so it is refused.
   *
   * @param serviceAccountToken the tenant ServiceAccount's token for {@code identity.audience()}
   */
  public RegistryToken fetch(
      GarSource spec, TenantIdentity.Google identity, Supplier<String> serviceAccountToken)
      throws SourceException {
    if (spec.getCredentialsSecretRef() != null) {
      throw new SourceException(
          Reason.InvalidSpec,
          "with the ServiceAccount's own identity, spec.source.gar takes no credentialsSecretRef");
    }
    Optional<String> badServers = RegistryHosts.garServersProblem(spec.getServers());
    if (badServers.isPresent()) {
      throw new SourceException(Reason.InvalidSpec, badServers.get());
    }
    TenantTokenSupplier tokens = TenantTokenSupplier.of(identity, serviceAccountToken);
    GoogleCredentials base =
        GarTenantCredentials.credentials(endpoints, transport, identity, tokens);
    String step = TOKEN_STEP + " (workload identity federation of the ServiceAccount)";
    try {
      return fetchWith(spec.getServers(), base, step, clock.instant());
    } catch (SourceException e) {
      throw tokens.failure().orElse(e);
    }
  }

  private RegistryToken fetchWith(
      List<String> servers, GoogleCredentials base, String step, Instant issuedAt)
      throws SourceException {
    GoogleCredentials scoped =
        base.createScoped(List.of(SCOPE)).createWithCustomRetryStrategy(false);
    AccessToken token = refresh(scoped, step);
    Instant expiresAt =
        token.getExpirationTime() == null
            ? issuedAt.plus(DOCUMENTED_LIFETIME)
            : token.getExpirationTime().toInstant();
    List<RegistryAuth> auths =
        servers.stream()
            .map(server -> new RegistryAuth(server, USERNAME, token.getTokenValue()))
            .toList();
    return new RegistryToken(auths, issuedAt, Optional.of(expiresAt));
  }

  private GoogleCredentials fromSecret(String name, String where) throws SourceException {
    Secret secret =
        secrets
            .get(name)
            .orElseThrow(
                () -> new SourceException(Reason.SourceSecretNotFound, where + " not found"));
    SecretData data;
    try {
      data = SecretData.of(secret);
    } catch (IllegalArgumentException e) {
      throw new SourceException(Reason.SourceSecretInvalid, where + " has data that is not base64");
    }
    if (!data.has(KEY)) {
      throw new SourceException(Reason.SourceSecretInvalid, where + " has no " + KEY + " key");
    }
    JsonNode root;
    try {
      root = JSON.readTree(data.text(KEY));
    } catch (JsonProcessingException e) {
      throw new SourceException(
          Reason.SourceSecretInvalid,
          where + ": " + KEY + " is not valid JSON (or repeats a field)");
    }
    Optional<String> violation = policy.violation(root);
    if (violation.isPresent()) {
      throw new SourceException(Reason.SourceSecretInvalid, where + ": " + violation.get());
    }
    // The library reads the configuration as checked here, re-serialised, not the Secret's text.
    byte[] checked;
    try {
      checked = JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new SourceException(Reason.SourceSecretInvalid, where + ": " + KEY + " cannot be read");
    }
    String type = root.get("type").asText();
    try {
      return GoogleCredentials.fromStream(new ByteArrayInputStream(checked), transport);
    } catch (IOException | RuntimeException e) {
      throw new SourceException(
          Reason.SourceSecretInvalid,
          where + ": " + KEY + " is not a usable " + type + " configuration (" + causes(e) + ")");
    }
  }

  private GoogleCredentials applicationDefault() throws SourceException {
    ObservedTransport.begin();
    try {
      GoogleCredentials credentials = adc.load(transport);
      if (credentials == null) {
        throw new SourceException(Reason.CredentialUnavailable, ADC_STEP + " were not found");
      }
      return credentials;
    } catch (IOException | RuntimeException e) {
      throw new SourceException(
          Reason.CredentialUnavailable,
          ADC_STEP + " were not found or could not be loaded (" + causes(e) + ")");
    } finally {
      ObservedTransport.end();
    }
  }

  private AccessToken refresh(GoogleCredentials credentials, String step) throws SourceException {
    ObservedTransport.Observation seen = ObservedTransport.begin();
    AccessToken token;
    try {
      token = credentials.refreshAccessToken();
    } catch (IOException | RuntimeException e) {
      throw failure(step, e, seen);
    } finally {
      ObservedTransport.end();
    }
    if (token == null || token.getTokenValue() == null || token.getTokenValue().isEmpty()) {
      throw new SourceException(Reason.ProviderError, step + " came back empty");
    }
    return token;
  }

  /** Maps a refresh failure by HTTP status, OAuth error code and exception types. */
  static SourceException failure(String step, Throwable e, ObservedTransport.Observation seen) {
    if (Causes.find(e, BoundedBody.TooLargeException.class) != null) {
      return new SourceException(
          Reason.ProviderError, step + " answered with a body larger than " + BoundedBody.LIMIT);
    }
    HttpResponseException response = Causes.find(e, HttpResponseException.class);
    int status = response != null ? response.getStatusCode() : seen.lastStatus();
    if (status >= 400) {
      String code = seen.lastErrorCode();
      if (code == null && response != null) {
        code = ObservedTransport.errorCode(contentBytes(response));
      }
      String detail = "HTTP " + status + (code == null ? "" : ", " + code);
      if (status == 400 || status == 401 || status == 403) {
        return new SourceException(Reason.AccessDenied, step + " was refused: " + detail);
      }
      if (status >= 500 || status == 429) {
        return new SourceException(Reason.ProviderUnavailable, step + " failed: " + detail);
      }
      return new SourceException(Reason.ProviderError, step + " failed: " + detail);
    }
    if (Causes.find(e, SocketException.class) != null
        || Causes.find(e, SocketTimeoutException.class) != null
        || Causes.find(e, HttpTimeoutException.class) != null
        || Causes.find(e, UnknownHostException.class) != null
        || Causes.find(e, SSLException.class) != null) {
      return new SourceException(
          Reason.ProviderUnreachable,
          step + ": the endpoint could not be reached (" + causes(e) + ")");
    }
    if (Causes.find(e, FileNotFoundException.class) != null
        || Causes.find(e, NoSuchFileException.class) != null
        || (ObservedTransport.observing() && seen.responses() == 0)) {
      // Nothing was sent: the subject token (credential_source) or the signature could not be
      // produced; the library reports a missing file as a bare IOException.
      return new SourceException(
          Reason.CredentialUnavailable,
          step + ": the credential could not be produced, nothing was sent (" + causes(e) + ")");
    }
    if (hasClass(e, "com.google.auth.oauth2.OAuthException")) {
      // An OAuth error whose HTTP status was not seen (the transport hook is unavailable).
      return new SourceException(Reason.AccessDenied, step + " was refused (" + causes(e) + ")");
    }
    return new SourceException(Reason.ProviderError, step + " failed (" + causes(e) + ")");
  }

  private static byte[] contentBytes(HttpResponseException e) {
    String content = e.getContent();
    return content == null ? new byte[0] : content.getBytes(StandardCharsets.UTF_8);
  }

  private static boolean hasClass(Throwable e, String className) {
    int depth = 0;
    for (Throwable t = e; t != null && depth++ < 10; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getClass().getName().equals(className)) {
        return true;
      }
    }
    return false;
  }

  /** Exception class names along the cause chain, for messages; never the exceptions' texts. */
  static String causes(Throwable e) {
    StringBuilder names = new StringBuilder();
    int depth = 0;
    for (Throwable t = e; t != null && depth < 5; t = t.getCause() == t ? null : t.getCause()) {
      if (depth++ > 0) {
        names.append(" <- ");
      }
      names.append(t.getClass().getSimpleName());
    }
    return names.toString();
  }
}
