package io.regcred.provider.gar;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.client.http.HttpResponseException;
import com.google.auth.http.HttpTransportFactory;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import io.fabric8.kubernetes.api.model.Secret;
import io.regcred.api.v1alpha1.GarSource;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.provider.ProviderHttp;
import io.regcred.provider.RegistryAuth;
import io.regcred.provider.RegistryToken;
import io.regcred.provider.SecretData;
import io.regcred.provider.SourceException;
import io.regcred.provider.SourceSecrets;
import io.regcred.provider.TokenProvider;
import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Google Artifact Registry and Container Registry: an OAuth2 access token (user {@code
 * oauth2accesstoken}, about 1 h) with the {@code cloud-platform} scope. Credentials come from a
 * service-account key or an external-account (workload identity federation) configuration in the
 * source Secret's {@code key.json}, or else from Application Default Credentials (GKE workload
 * identity through the metadata server, {@code GOOGLE_APPLICATION_CREDENTIALS}).
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

  private static final Set<String> KEY_TYPES = Set.of("service_account", "external_account");
  private static final Pattern SAFE_TYPE = Pattern.compile("[a-z_]{1,40}");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Loads Application Default Credentials; a seam for tests. */
  @FunctionalInterface
  interface AdcLoader {
    GoogleCredentials load(HttpTransportFactory transport) throws IOException;
  }

  private final SourceSecrets secrets;
  private final Clock clock;
  private final HttpTransportFactory transport;
  private final AdcLoader adc;
  private final Predicate<String> trustedTokenHost;

  public GarTokenProvider(SourceSecrets secrets, Clock clock, ProviderHttp http) {
    this(secrets, clock, http, GoogleCredentials::getApplicationDefault);
  }

  GarTokenProvider(SourceSecrets secrets, Clock clock, ProviderHttp http, AdcLoader adc) {
    this(secrets, clock, http, adc, GarTokenProvider::isGoogleApiHost);
  }

  /**
   * @param trustedTokenHost which hosts an external_account configuration may send its subject
   *     token to (Google's own API hosts; tests add their local fake)
   */
  GarTokenProvider(
      SourceSecrets secrets,
      Clock clock,
      ProviderHttp http,
      AdcLoader adc,
      Predicate<String> trustedTokenHost) {
    this.secrets = secrets;
    this.clock = clock;
    this.transport = ObservedTransport.factory(http);
    this.adc = adc;
    this.trustedTokenHost = trustedTokenHost;
  }

  /** {@code googleapis.com} and its subdomains: sts, iamcredentials, regional and PSC endpoints. */
  static boolean isGoogleApiHost(String host) {
    return host != null && (host.equals("googleapis.com") || host.endsWith(".googleapis.com"));
  }

  /**
   * An external_account configuration sends the subject token it reads (a file or URL on the
   * operator's host, such as its own projected ServiceAccount token) to {@code token_url}, and an
   * access token to the impersonation and token-info URLs. Whoever can write Secrets in the source
   * namespace must not be able to point those at a host of their own.
   */
  private void requireTrustedTokenHosts(JsonNode root, String where) throws SourceException {
    for (String field :
        List.of("token_url", "service_account_impersonation_url", "token_info_url")) {
      JsonNode value = root.get(field);
      if (value == null || value.isNull()) {
        continue;
      }
      String host;
      try {
        host = URI.create(value.asText()).getHost();
      } catch (IllegalArgumentException e) {
        host = null;
      }
      if (host == null || !trustedTokenHost.test(host)) {
        throw new SourceException(
            "SourceSecretInvalid",
            where + ": " + KEY + " " + field + " must be a Google API endpoint (*.googleapis.com)");
      }
    }
  }

  @Override
  public boolean supports(RegistryCredential credential) {
    return credential.getSpec().getSource().getGar() != null;
  }

  @Override
  public RegistryToken fetch(RegistryCredential credential) throws SourceException {
    GarSource spec = credential.getSpec().getSource().getGar();
    List<String> servers = spec.getServers();
    if (servers == null || servers.isEmpty()) {
      throw new SourceException("InvalidSpec", "spec.source.gar.servers is empty");
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
            .orElseThrow(() -> new SourceException("SourceSecretNotFound", where + " not found"));
    SecretData data;
    try {
      data = SecretData.of(secret);
    } catch (IllegalArgumentException e) {
      throw new SourceException("SourceSecretInvalid", where + " has data that is not base64");
    }
    if (!data.has(KEY)) {
      throw new SourceException("SourceSecretInvalid", where + " has no " + KEY + " key");
    }
    byte[] json = data.text(KEY).getBytes(StandardCharsets.UTF_8);
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new SourceException("SourceSecretInvalid", where + ": " + KEY + " is not valid JSON");
    } catch (IOException e) {
      throw new SourceException("SourceSecretInvalid", where + ": " + KEY + " cannot be read");
    }
    if (root == null || !root.isObject()) {
      throw new SourceException(
          "SourceSecretInvalid", where + ": " + KEY + " is not a JSON object");
    }
    JsonNode typeNode = root.get("type");
    String type = typeNode != null && typeNode.isTextual() ? typeNode.asText() : null;
    if (type == null || !KEY_TYPES.contains(type)) {
      String shown =
          type == null ? "no type" : SAFE_TYPE.matcher(type).matches() ? "type " + type : "a type";
      throw new SourceException(
          "SourceSecretInvalid",
          where
              + ": "
              + KEY
              + " has "
              + shown
              + "; supported are service_account and external_account");
    }
    if ("external_account".equals(type)) {
      requireTrustedTokenHosts(root, where);
    }
    try {
      return GoogleCredentials.fromStream(new ByteArrayInputStream(json), transport);
    } catch (IOException | RuntimeException e) {
      throw new SourceException(
          "SourceSecretInvalid",
          where + ": " + KEY + " is not a usable " + type + " configuration (" + causes(e) + ")");
    }
  }

  private GoogleCredentials applicationDefault() throws SourceException {
    ObservedTransport.begin();
    try {
      GoogleCredentials credentials = adc.load(transport);
      if (credentials == null) {
        throw new SourceException("CredentialUnavailable", ADC_STEP + " were not found");
      }
      return credentials;
    } catch (IOException | RuntimeException e) {
      throw new SourceException(
          "CredentialUnavailable",
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
      throw new SourceException("ProviderError", step + " came back empty");
    }
    return token;
  }

  /** Maps a refresh failure by HTTP status, OAuth error code and exception types. */
  static SourceException failure(String step, Throwable e, ObservedTransport.Observation seen) {
    HttpResponseException response = find(e, HttpResponseException.class);
    int status = response != null ? response.getStatusCode() : seen.lastStatus();
    if (status >= 400) {
      String code = seen.lastErrorCode();
      if (code == null && response != null) {
        code = ObservedTransport.errorCode(contentBytes(response), null);
      }
      String detail = "HTTP " + status + (code == null ? "" : ", " + code);
      if (status == 400 || status == 401 || status == 403) {
        return new SourceException("AccessDenied", step + " was refused: " + detail);
      }
      if (status >= 500 || status == 429) {
        return new SourceException("ProviderUnavailable", step + " failed: " + detail);
      }
      return new SourceException("ProviderError", step + " failed: " + detail);
    }
    if (find(e, SocketException.class) != null
        || find(e, SocketTimeoutException.class) != null
        || find(e, HttpTimeoutException.class) != null
        || find(e, UnknownHostException.class) != null
        || find(e, SSLException.class) != null) {
      return new SourceException(
          "ProviderUnreachable", step + ": the endpoint could not be reached (" + causes(e) + ")");
    }
    if (find(e, FileNotFoundException.class) != null
        || find(e, NoSuchFileException.class) != null
        || (ObservedTransport.observing() && seen.responses() == 0)) {
      // Nothing was sent: the subject token (credential_source) or the signature could not be
      // produced; the library reports a missing file as a bare IOException.
      return new SourceException(
          "CredentialUnavailable",
          step + ": the credential could not be produced, nothing was sent (" + causes(e) + ")");
    }
    if (hasClass(e, "com.google.auth.oauth2.OAuthException")) {
      // An OAuth error whose HTTP status was not seen (the transport hook is unavailable).
      return new SourceException("AccessDenied", step + " was refused (" + causes(e) + ")");
    }
    return new SourceException("ProviderError", step + " failed (" + causes(e) + ")");
  }

  private static byte[] contentBytes(HttpResponseException e) {
    String content = e.getContent();
    return content == null ? new byte[0] : content.getBytes(StandardCharsets.UTF_8);
  }

  private static <T extends Throwable> T find(Throwable e, Class<T> type) {
    int depth = 0;
    for (Throwable t = e; t != null && depth++ < 10; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
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
