package io.regcred.provider.ecr;

import io.fabric8.kubernetes.api.model.Secret;
import io.regcred.api.v1alpha1.EcrSource;
import io.regcred.api.v1alpha1.SecretReference;
import io.regcred.api.v1alpha1.Source;
import io.regcred.model.Reason;
import io.regcred.model.RegistryAuth;
import io.regcred.model.RegistryToken;
import io.regcred.model.TenantIdentity;
import io.regcred.provider.Causes;
import io.regcred.provider.ErrorCodes;
import io.regcred.provider.ProviderHttp;
import io.regcred.provider.SecretData;
import io.regcred.provider.SourceException;
import io.regcred.provider.SourceSecrets;
import io.regcred.provider.TokenProvider;
import io.regcred.provider.tenant.TenantTokenSupplier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.EcrClientBuilder;
import software.amazon.awssdk.services.ecr.model.AuthorizationData;
import software.amazon.awssdk.services.ecr.model.GetAuthorizationTokenRequest;
import software.amazon.awssdk.services.ecr.model.GetAuthorizationTokenResponse;
import software.amazon.awssdk.services.ecrpublic.EcrPublicClient;
import software.amazon.awssdk.services.ecrpublic.EcrPublicClientBuilder;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.auth.StsWebIdentityTokenFileCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * AWS ECR: a GetAuthorizationToken password (user {@code AWS}, 12 h) for private registries or for
 * ECR Public. Credentials come from a source Secret or the operator's own AWS identity (IRSA, EKS
 * Pod Identity, or else the SDK's default chain, selected by {@link AwsIdentityEnv}), optionally
 * through AssumeRole. Clients live for one fetch; fetches happen once per rotation.
 *
 * <p>Failure messages are built from the operation, a known AWS error code ({@link ErrorCodes}),
 * the HTTP status and exception class names only, never from error messages or bodies, which may
 * echo input.
 */
public final class EcrTokenProvider implements TokenProvider, AutoCloseable {

  static final String ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID";
  static final String SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY";
  static final String SESSION_TOKEN = "AWS_SESSION_TOKEN";
  static final String ROLE_SESSION_NAME = "regcred-operator";
  static final String PUBLIC_SERVER = "public.ecr.aws";
  static final Region PUBLIC_REGION = Region.US_EAST_1;

  /** The documented token lifetime, used only if a response lacks {@code expiresAt}. */
  static final Duration DOCUMENTED_LIFETIME = Duration.ofHours(12);

  private static final String ECR_OP = "ECR GetAuthorizationToken";
  private static final String ECR_PUBLIC_OP = "ECR Public GetAuthorizationToken";
  private static final String STS_OP = "STS AssumeRole";
  private static final String WEB_IDENTITY_OP = "STS AssumeRoleWithWebIdentity";

  /** Error codes that mean the caller's identity or permissions were refused. */
  private static final Set<String> DENIED_CODES =
      Set.of(
          "UnrecognizedClientException",
          "AccessDeniedException",
          "AccessDenied",
          "InvalidSignatureException",
          "SignatureDoesNotMatch",
          "IncompleteSignature",
          "ExpiredTokenException",
          "ExpiredToken",
          "InvalidClientTokenId",
          "MissingAuthenticationToken",
          "InvalidAccessKeyId",
          "UnauthorizedOperation",
          "RegionDisabledException",
          "InvalidIdentityToken",
          "IDPRejectedClaim");

  /** Error codes that mean a service the call depends on is down. */
  private static final Set<String> UNAVAILABLE_CODES = Set.of("IDPCommunicationError");

  private final SourceSecrets secrets;
  private final Clock clock;
  private final AwsEndpoints endpoints;
  private final ProviderHttp http;
  private final AwsIdentityEnv identity;

  private DefaultCredentialsProvider defaultChain; // guarded by this

  /** The operator's own identity comes from {@code identity} (IRSA, EKS Pod Identity, ...). */
  public EcrTokenProvider(
      SourceSecrets secrets,
      Clock clock,
      AwsEndpoints endpoints,
      ProviderHttp http,
      AwsIdentityEnv identity) {
    this.secrets = secrets;
    this.clock = clock;
    this.endpoints = endpoints;
    this.http = http;
    this.identity = identity;
  }

  @Override
  public boolean supports(Source source) {
    return source.getEcr() != null;
  }

  @Override
  public RegistryToken fetch(Source source) throws SourceException {
    EcrSource spec = source.getEcr();
    Region region = region(spec);
    try (Resources resources = new Resources()) {
      SdkHttpClient httpClient = resources.add(httpClient(http));
      AwsCredentialsProvider base = baseCredentials(spec, region, httpClient, resources);
      AwsCredentialsProvider credentials = base;
      if (spec.getRoleArn() != null && !spec.getRoleArn().isBlank()) {
        credentials = assumeRole(spec, region, base, httpClient, resources);
      }
      return fetchWith(spec, region, credentials, httpClient, resources);
    }
  }

  /**
   * A token fetched with a tenant's own identity: STS AssumeRoleWithWebIdentity into {@code
   * identity}'s role with the tenant's ServiceAccount token, never with the operator's identity. Of
   * {@code spec} only the registry (region, registry ids, public) is used; a keys Secret or a role
   * to chain into would mix in another identity, so they are refused.
   *
   * @param serviceAccountToken the tenant ServiceAccount's token for {@link
   *     TenantIdentity.Aws#AUDIENCE}, asked for once per STS call
   */
  public RegistryToken fetch(
      EcrSource spec, TenantIdentity.Aws identity, Supplier<String> serviceAccountToken)
      throws SourceException {
    if (spec.getCredentialsSecretRef() != null
        || isSet(spec.getRoleArn())
        || isSet(spec.getExternalId())) {
      throw new SourceException(
          Reason.InvalidSpec,
          "with the ServiceAccount's own identity, spec.source.ecr takes no credentialsSecretRef,"
              + " roleArn or externalId");
    }
    Region region = region(spec);
    TenantTokenSupplier tokens = TenantTokenSupplier.of(identity, serviceAccountToken);
    try (Resources resources = new Resources()) {
      SdkHttpClient httpClient = resources.add(httpClient(http));
      StsClient sts = resources.add(anonymousSts(region, httpClient));
      AwsCredentialsProvider credentials =
          resources.add(EcrTenantCredentials.provider(sts, identity, tokens));
      try {
        // Resolve now, so that a refused identity is reported as such and not as an ECR failure.
        credentials.resolveCredentials();
      } catch (RuntimeException e) {
        throw tokens.failure().orElseGet(() -> failure(WEB_IDENTITY_OP, e));
      }
      return fetchWith(spec, region, credentials, httpClient, resources);
    }
  }

  private static Region region(EcrSource spec) throws SourceException {
    if (Boolean.TRUE.equals(spec.getPublicRegistry())) {
      return PUBLIC_REGION;
    }
    if (!isSet(spec.getRegion())) {
      throw new SourceException(Reason.ProviderError, "spec.source.ecr.region is not set");
    }
    return Region.of(spec.getRegion());
  }

  private static boolean isSet(String value) {
    return value != null && !value.isBlank();
  }

  private RegistryToken fetchWith(
      EcrSource spec,
      Region region,
      AwsCredentialsProvider credentials,
      SdkHttpClient httpClient,
      Resources resources)
      throws SourceException {
    return Boolean.TRUE.equals(spec.getPublicRegistry())
        ? fetchPublic(credentials, httpClient, resources)
        : fetchPrivate(spec, region, credentials, httpClient, resources);
  }

  /**
   * An STS client that signs nothing, for AssumeRoleWithWebIdentity: the web identity token is the
   * only credential the call may carry.
   */
  private StsClient anonymousSts(Region region, SdkHttpClient httpClient) {
    StsClientBuilder builder =
        StsClient.builder()
            .region(region)
            .credentialsProvider(AnonymousCredentialsProvider.create())
            .httpClient(httpClient)
            .overrideConfiguration(overrides());
    endpoints.sts().ifPresent(builder::endpointOverride);
    return builder.build();
  }

  /**
   * Releases the SDK's default credentials chain, if one was used. (The web identity and Pod
   * Identity paths create their clients per fetch.)
   */
  @Override
  public synchronized void close() {
    if (defaultChain != null) {
      defaultChain.close();
      defaultChain = null;
    }
  }

  private AwsCredentialsProvider baseCredentials(
      EcrSource spec, Region region, SdkHttpClient httpClient, Resources resources)
      throws SourceException {
    if (spec.getCredentialsSecretRef() != null) {
      return secretCredentials(spec.getCredentialsSecretRef());
    }
    return switch (identity.source()) {
      case WEB_IDENTITY -> webIdentity(region, httpClient, resources);
      case POD_IDENTITY ->
          StaticCredentialsProvider.create(
              PodIdentityCredentials.fetch(identity, httpClient, http.timeout()));
      case DEFAULT_CHAIN -> defaultChainCredentials();
    };
  }

  /**
   * IRSA: STS AssumeRoleWithWebIdentity (unsigned) with the projected ServiceAccount token, which
   * is read from its file on every call. Built here rather than by the default chain so that the
   * STS client has the endpoint override, TLS trust and timeouts of every other call; the SDK's
   * chain would only see {@code AWS_ENDPOINT_URL_STS}. STS is called in the pod's region ({@code
   * AWS_REGION}, as the SDK would), else in the registry's.
   */
  private AwsCredentialsProvider webIdentity(
      Region region, SdkHttpClient httpClient, Resources resources) throws SourceException {
    String roleArn = identity.get(AwsIdentityEnv.ROLE_ARN).orElseThrow();
    Path tokenFile;
    try {
      tokenFile = Path.of(identity.get(AwsIdentityEnv.WEB_IDENTITY_TOKEN_FILE).orElseThrow());
    } catch (InvalidPathException e) {
      throw new SourceException(
          Reason.CredentialUnavailable,
          AwsIdentityEnv.WEB_IDENTITY_TOKEN_FILE + " is not a valid path");
    }
    if (!Files.isReadable(tokenFile)) {
      throw new SourceException(
          Reason.CredentialUnavailable,
          "the web identity token file ("
              + AwsIdentityEnv.WEB_IDENTITY_TOKEN_FILE
              + ") cannot be read");
    }
    StsClient sts =
        resources.add(anonymousSts(identity.region().map(Region::of).orElse(region), httpClient));
    try {
      StsWebIdentityTokenFileCredentialsProvider provider =
          resources.add(
              StsWebIdentityTokenFileCredentialsProvider.builder()
                  .stsClient(sts)
                  .roleArn(roleArn)
                  .roleSessionName(
                      identity.get(AwsIdentityEnv.ROLE_SESSION_NAME).orElse(ROLE_SESSION_NAME))
                  .webIdentityTokenFile(tokenFile)
                  .build());
      // Resolve now, so that a refused identity is reported as such and not as an ECR failure.
      provider.resolveCredentials();
      return provider;
    } catch (RuntimeException e) {
      if (Causes.find(e, FileSystemException.class) != null) {
        throw new SourceException(
            Reason.CredentialUnavailable,
            WEB_IDENTITY_OP
                + " failed: the token file ("
                + AwsIdentityEnv.WEB_IDENTITY_TOKEN_FILE
                + ") could not be read ("
                + rootClassName(e)
                + ")");
      }
      throw failure(WEB_IDENTITY_OP, e);
    }
  }

  private AwsCredentialsProvider defaultChainCredentials() throws SourceException {
    AwsCredentialsProvider chain = defaultChain();
    try {
      chain.resolveCredentials();
    } catch (RuntimeException e) {
      throw new SourceException(
          Reason.CredentialUnavailable,
          "no credentialsSecretRef is set and the default AWS credentials chain (environment, web"
              + " identity, EKS Pod Identity, instance profile) gave no credentials ("
              + e.getClass().getSimpleName()
              + ")");
    }
    return chain;
  }

  private synchronized AwsCredentialsProvider defaultChain() {
    if (defaultChain == null) {
      defaultChain = DefaultCredentialsProvider.builder().build();
    }
    return defaultChain;
  }

  private AwsCredentialsProvider secretCredentials(SecretReference ref) throws SourceException {
    String where = "Secret " + secrets.namespace() + "/" + ref.getName();
    Secret secret =
        secrets
            .get(ref.getName())
            .orElseThrow(
                () -> new SourceException(Reason.SourceSecretNotFound, where + " not found"));
    SecretData data = SecretData.of(secret);
    String keyId = value(data, ACCESS_KEY_ID);
    String secretKey = value(data, SECRET_ACCESS_KEY);
    List<String> missing = new ArrayList<>();
    if (keyId == null) {
      missing.add(ACCESS_KEY_ID);
    }
    if (secretKey == null) {
      missing.add(SECRET_ACCESS_KEY);
    }
    if (!missing.isEmpty()) {
      throw new SourceException(
          Reason.SourceSecretInvalid, where + " lacks the key(s) " + String.join(", ", missing));
    }
    String sessionToken = value(data, SESSION_TOKEN);
    AwsCredentials credentials =
        sessionToken == null
            ? AwsBasicCredentials.create(keyId, secretKey)
            : AwsSessionCredentials.create(keyId, secretKey, sessionToken);
    return StaticCredentialsProvider.create(credentials);
  }

  /** The value without surrounding whitespace (files often end in a newline), or null if empty. */
  private static String value(SecretData data, String key) {
    if (!data.has(key)) {
      return null;
    }
    String v = data.text(key).strip();
    return v.isEmpty() ? null : v;
  }

  private AwsCredentialsProvider assumeRole(
      EcrSource spec,
      Region region,
      AwsCredentialsProvider base,
      SdkHttpClient httpClient,
      Resources resources)
      throws SourceException {
    StsClientBuilder builder =
        StsClient.builder()
            .region(region)
            .credentialsProvider(base)
            .httpClient(httpClient)
            .overrideConfiguration(overrides());
    endpoints.sts().ifPresent(builder::endpointOverride);
    StsClient sts = resources.add(builder.build());
    AssumeRoleRequest.Builder request =
        AssumeRoleRequest.builder().roleArn(spec.getRoleArn()).roleSessionName(ROLE_SESSION_NAME);
    if (spec.getExternalId() != null && !spec.getExternalId().isEmpty()) {
      request.externalId(spec.getExternalId());
    }
    AssumeRoleRequest assumeRole = request.build();
    try {
      StsAssumeRoleCredentialsProvider assumed =
          resources.add(
              StsAssumeRoleCredentialsProvider.builder()
                  .stsClient(sts)
                  .refreshRequest(assumeRole)
                  .build());
      // Resolve now, so that an STS failure is reported as such and not as an ECR one.
      assumed.resolveCredentials();
      return assumed;
    } catch (RuntimeException e) {
      throw failure(STS_OP, e);
    }
  }

  @SuppressWarnings("deprecation") // registryIds is deprecated in the ECR model, still honoured
  private RegistryToken fetchPrivate(
      EcrSource spec,
      Region region,
      AwsCredentialsProvider credentials,
      SdkHttpClient httpClient,
      Resources resources)
      throws SourceException {
    EcrClientBuilder builder =
        EcrClient.builder()
            .region(region)
            .credentialsProvider(credentials)
            .httpClient(httpClient)
            .overrideConfiguration(overrides());
    endpoints.ecr().ifPresent(builder::endpointOverride);
    EcrClient ecr = resources.add(builder.build());
    GetAuthorizationTokenRequest.Builder request = GetAuthorizationTokenRequest.builder();
    if (spec.getRegistryIds() != null && !spec.getRegistryIds().isEmpty()) {
      request.registryIds(spec.getRegistryIds());
    }
    GetAuthorizationTokenResponse response;
    try {
      response = ecr.getAuthorizationToken(request.build());
    } catch (RuntimeException e) {
      throw failure(ECR_OP, e);
    }
    Instant issuedAt = clock.instant();
    List<RegistryAuth> auths = new ArrayList<>();
    Set<String> servers = new LinkedHashSet<>();
    Instant expiresAt = null;
    for (AuthorizationData data : response.authorizationData()) {
      String server = server(data.proxyEndpoint());
      if (server == null) {
        throw new SourceException(Reason.ProviderError, ECR_OP + " returned no proxyEndpoint");
      }
      if (servers.add(server)) {
        auths.add(auth(server, data.authorizationToken(), ECR_OP));
      }
      expiresAt = earliest(expiresAt, data.expiresAt());
    }
    if (auths.isEmpty()) {
      throw new SourceException(Reason.ProviderError, ECR_OP + " returned no authorization data");
    }
    return new RegistryToken(auths, issuedAt, Optional.of(expiry(issuedAt, expiresAt)));
  }

  private RegistryToken fetchPublic(
      AwsCredentialsProvider credentials, SdkHttpClient httpClient, Resources resources)
      throws SourceException {
    EcrPublicClientBuilder builder =
        EcrPublicClient.builder()
            .region(PUBLIC_REGION)
            .credentialsProvider(credentials)
            .httpClient(httpClient)
            .overrideConfiguration(overrides());
    endpoints.ecrPublic().ifPresent(builder::endpointOverride);
    EcrPublicClient ecrPublic = resources.add(builder.build());
    software.amazon.awssdk.services.ecrpublic.model.AuthorizationData data;
    try {
      data = ecrPublic.getAuthorizationToken(b -> {}).authorizationData();
    } catch (RuntimeException e) {
      throw failure(ECR_PUBLIC_OP, e);
    }
    if (data == null) {
      throw new SourceException(
          Reason.ProviderError, ECR_PUBLIC_OP + " returned no authorization data");
    }
    Instant issuedAt = clock.instant();
    RegistryAuth auth = auth(PUBLIC_SERVER, data.authorizationToken(), ECR_PUBLIC_OP);
    return new RegistryToken(
        List.of(auth), issuedAt, Optional.of(expiry(issuedAt, data.expiresAt())));
  }

  private ClientOverrideConfiguration overrides() {
    // Standard retries (3 attempts, whatever AWS_RETRY_MODE says), all within one time bound.
    return ClientOverrideConfiguration.builder()
        .retryStrategy(RetryMode.STANDARD)
        .apiCallTimeout(http.timeout())
        .build();
  }

  /**
   * A URLConnection client with the provider timeouts. With the JVM's default TLS the SDK builds
   * the connections itself (and applies its proxy settings); with another TLS context (tests,
   * private CAs) connections are made here so they use that context.
   */
  static SdkHttpClient httpClient(ProviderHttp http) {
    Duration timeout = http.timeout();
    if (isJvmDefault(http.sslContext())) {
      return UrlConnectionHttpClient.builder()
          .connectionTimeout(timeout)
          .socketTimeout(timeout)
          .build();
    }
    SSLSocketFactory sockets = http.sslContext().getSocketFactory();
    int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    return UrlConnectionHttpClient.create(
        uri -> {
          try {
            HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
            if (connection instanceof HttpsURLConnection https) {
              https.setSSLSocketFactory(sockets);
            }
            connection.setConnectTimeout(millis);
            connection.setReadTimeout(millis);
            return connection;
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  private static boolean isJvmDefault(SSLContext context) {
    try {
      return context == SSLContext.getDefault();
    } catch (NoSuchAlgorithmException e) {
      return false;
    }
  }

  /** The registry host of a proxy endpoint such as {@code https://123.dkr.ecr.r.amazonaws.com}. */
  static String server(String proxyEndpoint) {
    if (proxyEndpoint == null) {
      return null;
    }
    String s = proxyEndpoint.strip();
    if (s.startsWith("https://")) {
      s = s.substring("https://".length());
    } else if (s.startsWith("http://")) {
      s = s.substring("http://".length());
    }
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return s.isEmpty() ? null : s;
  }

  /** Decodes a base64 {@code user:password} token; failures never show the token. */
  private static RegistryAuth auth(String server, String token, String operation)
      throws SourceException {
    if (token == null || token.isBlank()) {
      throw new SourceException(
          Reason.ProviderError, operation + " returned no authorization token");
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(token.strip()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new SourceException(
          Reason.ProviderError, operation + " returned an authorization token that is not base64");
    }
    int colon = decoded.indexOf(':');
    if (colon <= 0 || colon == decoded.length() - 1) {
      throw new SourceException(
          Reason.ProviderError,
          operation + " returned an authorization token that is not in user:password form");
    }
    return new RegistryAuth(server, decoded.substring(0, colon), decoded.substring(colon + 1));
  }

  private static Instant earliest(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || a.isBefore(b) ? a : b;
  }

  private static Instant expiry(Instant issuedAt, Instant expiresAt) {
    return expiresAt != null ? expiresAt : issuedAt.plus(DOCUMENTED_LIFETIME);
  }

  /** Maps an SDK failure to a reason and a message made of names, codes and statuses only. */
  static SourceException failure(String operation, RuntimeException e) {
    AwsServiceException service = Causes.find(e, AwsServiceException.class);
    if (service != null) {
      AwsErrorDetails details = service.awsErrorDetails();
      String code = details == null ? null : details.errorCode();
      // Shown: a known AWS error code, else the SDK's exception class, never the answer's text.
      String shown = ErrorCodes.aws(code);
      if (shown == null) {
        shown = service.getClass().getSimpleName();
      }
      int status = service.statusCode();
      Reason reason;
      if (status == 401 || status == 403 || DENIED_CODES.contains(code)) {
        reason = Reason.AccessDenied;
      } else if (status >= 500
          || service.isThrottlingException()
          || UNAVAILABLE_CODES.contains(code)) {
        reason = Reason.ProviderUnavailable;
      } else {
        reason = Reason.ProviderError;
      }
      return new SourceException(
          reason, operation + " failed: " + shown + " (HTTP " + status + ")");
    }
    if (unreachable(e)) {
      return new SourceException(
          Reason.ProviderUnreachable,
          operation + " failed: no response from the endpoint (" + rootClassName(e) + ")");
    }
    return new SourceException(
        Reason.ProviderError, operation + " failed: " + rootClassName(e) + " in the AWS SDK");
  }

  private static boolean unreachable(Throwable e) {
    return Causes.find(e, IOException.class) != null
        || Causes.find(e, ApiCallTimeoutException.class) != null
        || Causes.find(e, ApiCallAttemptTimeoutException.class) != null;
  }

  private static String rootClassName(Throwable e) {
    Throwable root = e;
    Set<Throwable> seen = new HashSet<>();
    while (root.getCause() != null && seen.add(root)) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName();
  }

  /** Closes, in reverse order, what one fetch created. */
  private static final class Resources implements AutoCloseable {
    private final Deque<SdkAutoCloseable> open = new ArrayDeque<>();

    <T extends SdkAutoCloseable> T add(T resource) {
      open.push(resource);
      return resource;
    }

    @Override
    public void close() {
      while (!open.isEmpty()) {
        try {
          open.pop().close();
        } catch (RuntimeException e) {
          // Closing a client cannot fail a fetch that has its answer.
        }
      }
    }
  }
}
