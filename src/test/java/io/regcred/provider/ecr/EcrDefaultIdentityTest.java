package io.regcred.provider.ecr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.EcrSource;
import io.regcred.model.RegistryAuth;
import io.regcred.model.RegistryToken;
import io.regcred.provider.InMemorySecrets;
import io.regcred.provider.ProviderHttp;
import io.regcred.provider.SourceException;
import io.regcred.provider.ecr.FakeAws.AssumeRoleCall;
import io.regcred.provider.ecr.FakeAws.IssuedSession;
import io.regcred.provider.ecr.FakeAws.Operation;
import io.regcred.provider.ecr.FakeAws.PodIdentityCall;
import io.regcred.provider.ecr.FakeAws.WebIdentityCall;
import io.regcred.testing.Credentials;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;

/**
 * The operator's own AWS identity, used when an ECR source has no credentialsSecretRef: IRSA (STS
 * AssumeRoleWithWebIdentity with a projected ServiceAccount token) and EKS Pod Identity, each end
 * to end with the real SDK against {@link FakeAws}, selected from an injected environment.
 */
class EcrDefaultIdentityTest {

  private static final String REGION = "eu-west-1";
  private static final String IRSA_ROLE = "arn:aws:iam::123456789012:role/regcred-operator";
  private static final String TARGET_ROLE = "arn:aws:iam::210987654321:role/puller";
  private static final String WEB_TOKEN =
      "eyJhbGciOiJSUzI1NiIsImtpZCI6ImZha2UifQ.WEBID-TOKEN-MARKER-eyJzdWIiOiJyZWdjcmVkIn0.c2ln";
  private static final String POD_TOKEN =
      "eyJhbGciOiJSUzI1NiIsImtpZCI6ImZha2UifQ.PODID-TOKEN-MARKER-eyJzdWIiOiJyZWdjcmVkIn0.c2ln";
  private static final String PASSWORD_MARKER = "pa55w0rd-ISSUED-MARKER-";
  private static final Instant NOW = Instant.parse("2025-04-05T06:07:08Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  @TempDir Path dir;

  private final InMemorySecrets secrets = new InMemorySecrets();
  private final List<String> messages = new ArrayList<>();
  private final List<EcrTokenProvider> providers = new ArrayList<>();
  private FakeAws fake;

  @BeforeEach
  void startFake() throws IOException {
    fake = FakeAws.start(REGION).clock(CLOCK).passwordPrefix(PASSWORD_MARKER);
  }

  @AfterEach
  void stopFake() {
    providers.forEach(EcrTokenProvider::close);
    fake.close();
    // The canary: no failure said a token, a key or a password.
    for (String message : messages) {
      assertThat(message)
          .doesNotContain("TOKEN-MARKER")
          .doesNotContain("eyJ")
          .doesNotContain(FakeAws.ISSUED_SECRET_PREFIX)
          .doesNotContain(FakeAws.ISSUED_SESSION_PREFIX)
          .doesNotContain(PASSWORD_MARKER)
          .doesNotContain("ASIA")
          .doesNotContain("Authorization");
    }
  }

  // --- IRSA ---

  @Test
  void irsaWebIdentityThenEcrSignedWithTheSession() throws Exception {
    fake.allowWebIdentity(IRSA_ROLE, WEB_TOKEN);

    RegistryToken token = provider(irsaEnv(tokenFile(WEB_TOKEN))).fetch(ecr(ownIdentity()));

    assertThat(token.auths())
        .containsExactly(
            new RegistryAuth(
                FakeAws.DEFAULT_REGISTRY_ID + ".dkr.ecr.eu-west-1.amazonaws.com",
                "AWS",
                fake.lastIssuedPassword()));
    assertThat(fake.webIdentityCalls())
        .containsExactly(new WebIdentityCall(IRSA_ROLE, "regcred-operator", WEB_TOKEN, false));
    IssuedSession session = single(fake.webIdentitySessions());
    assertThat(fake.accessKeyIds(Operation.ECR)).containsExactly(session.accessKeyId());
    assertThat(fake.securityTokens(Operation.ECR)).containsExactly(session.sessionToken());
    assertThat(fake.calls(Operation.WEB_IDENTITY)).isEqualTo(1);
    assertThat(fake.calls(Operation.ECR)).isEqualTo(1);
    assertThat(fake.calls(Operation.ASSUME_ROLE)).isZero();
    assertThat(fake.calls(Operation.POD_IDENTITY)).isZero();
    assertThat(fake.rejections()).isEmpty();
  }

  @Test
  void irsaReadsTheRotatedTokenOnEveryFetchAndHonoursTheSessionName() throws Exception {
    Path file = tokenFile(WEB_TOKEN);
    Map<String, String> env = irsaEnv(file);
    env.put("AWS_ROLE_SESSION_NAME", "regcred-eu");
    EcrTokenProvider provider = provider(env);
    fake.allowWebIdentity(IRSA_ROLE, WEB_TOKEN);

    provider.fetch(ecr(ownIdentity()));
    String rotated = WEB_TOKEN.replace("c2ln", "cm90YXRlZA");
    Files.writeString(file, rotated, StandardCharsets.UTF_8);
    fake.allowWebIdentity(IRSA_ROLE, rotated);
    provider.fetch(ecr(ownIdentity()));

    assertThat(fake.webIdentityCalls())
        .containsExactly(
            new WebIdentityCall(IRSA_ROLE, "regcred-eu", WEB_TOKEN, false),
            new WebIdentityCall(IRSA_ROLE, "regcred-eu", rotated, false));
    assertThat(fake.accessKeyIds(Operation.ECR))
        .containsExactlyElementsOf(
            fake.webIdentitySessions().stream().map(IssuedSession::accessKeyId).toList());
    assertThat(fake.rejections()).isEmpty();
  }

  @Test
  void irsaThenAssumeRoleThenEcr() throws Exception {
    fake.allowWebIdentity(IRSA_ROLE, WEB_TOKEN);
    EcrSource spec = ownIdentity("210987654321");
    spec.setRoleArn(TARGET_ROLE);
    spec.setExternalId("ext-7");

    RegistryToken token = provider(irsaEnv(tokenFile(WEB_TOKEN))).fetch(ecr(spec));

    assertThat(token.auths())
        .extracting(RegistryAuth::server)
        .containsExactly("210987654321.dkr.ecr.eu-west-1.amazonaws.com");
    IssuedSession webSession = single(fake.webIdentitySessions());
    // AssumeRole is signed with the web identity session, ECR with the assumed one.
    assertThat(fake.assumeRoleCalls())
        .containsExactly(
            new AssumeRoleCall(webSession.accessKeyId(), TARGET_ROLE, "regcred-operator", "ext-7"));
    assertThat(fake.securityTokens(Operation.ASSUME_ROLE))
        .containsExactly(webSession.sessionToken());
    assertThat(fake.accessKeyIds(Operation.ECR)).isEqualTo(fake.assumedKeyIds()).hasSize(1);
    assertThat(fake.calls(Operation.WEB_IDENTITY)).isEqualTo(1);
    assertThat(fake.calls(Operation.ASSUME_ROLE)).isEqualTo(1);
    assertThat(fake.calls(Operation.ECR)).isEqualTo(1);
    assertThat(fake.rejections()).isEmpty();
  }

  @Test
  void irsaRefusedTokenIsAccessDeniedWithoutTheToken() throws Exception {
    // STS knows the role but not this token: InvalidIdentityToken, whose message echoes the token.
    fake.allowWebIdentity(IRSA_ROLE, "some-other-token");

    SourceException e = failure(provider(irsaEnv(tokenFile(WEB_TOKEN))), ecr(ownIdentity()));

    assertThat(e.reason()).isEqualTo("AccessDenied");
    assertThat(e.getMessage())
        .isEqualTo("STS AssumeRoleWithWebIdentity failed: InvalidIdentityToken (HTTP 400)");
    assertThat(fake.rejections())
        .singleElement()
        .asString()
        .startsWith("WEB_IDENTITY: InvalidIdentityToken");
    assertThat(fake.calls(Operation.WEB_IDENTITY)).isEqualTo(1);
    assertThat(fake.calls(Operation.ECR)).isZero();
  }

  @Test
  void irsaQueuedStsErrorsMapByCode() throws Exception {
    fake.allowWebIdentity(IRSA_ROLE, WEB_TOKEN);
    fake.failNext(Operation.WEB_IDENTITY, 1, 400, "InvalidIdentityToken", "echo " + WEB_TOKEN);
    fake.failNext(Operation.WEB_IDENTITY, 1, 403, "AccessDenied", "not trusted");
    fake.failNext(Operation.WEB_IDENTITY, 1, 400, "ExpiredTokenException", "expired");
    EcrTokenProvider provider = provider(irsaEnv(tokenFile(WEB_TOKEN)));
    ClusterRegistryCredential credential = ecr(ownIdentity());

    SourceException invalid = failure(provider, credential);
    SourceException denied = failure(provider, credential);
    SourceException expired = failure(provider, credential);

    assertThat(List.of(invalid.reason(), denied.reason(), expired.reason()))
        .containsOnly("AccessDenied");
    assertThat(denied.getMessage())
        .isEqualTo("STS AssumeRoleWithWebIdentity failed: AccessDenied (HTTP 403)");
    assertThat(fake.calls(Operation.ECR)).isZero();
  }

  @Test
  void irsaUnknownRoleIsAccessDenied() throws Exception {
    fake.allowWebIdentity("arn:aws:iam::123456789012:role/someone-else", WEB_TOKEN);

    SourceException e = failure(provider(irsaEnv(tokenFile(WEB_TOKEN))), ecr(ownIdentity()));

    assertThat(e.reason()).isEqualTo("AccessDenied");
    assertThat(e.getMessage())
        .isEqualTo("STS AssumeRoleWithWebIdentity failed: AccessDenied (HTTP 403)");
  }

  @Test
  void irsaStsOutageIsProviderUnavailable() throws Exception {
    fake.allowWebIdentity(IRSA_ROLE, WEB_TOKEN);
    fake.failNextWithServerError(Operation.WEB_IDENTITY, 10);

    SourceException e = failure(provider(irsaEnv(tokenFile(WEB_TOKEN))), ecr(ownIdentity()));

    assertThat(e.reason()).isEqualTo("ProviderUnavailable");
    assertThat(e.getMessage())
        .isEqualTo("STS AssumeRoleWithWebIdentity failed: InternalFailure (HTTP 500)");
    assertThat(fake.calls(Operation.WEB_IDENTITY)).isEqualTo(3);
  }

  @Test
  void irsaMissingTokenFileIsCredentialsUnavailable() {
    SourceException e =
        failure(provider(irsaEnv(dir.resolve("no-such-token"))), ecr(ownIdentity()));

    assertThat(e.reason()).isEqualTo("CredentialUnavailable");
    assertThat(e.getMessage())
        .isEqualTo("the web identity token file (AWS_WEB_IDENTITY_TOKEN_FILE) cannot be read");
    assertThat(fake.calls(Operation.WEB_IDENTITY)).isZero();
  }

  @Test
  void aSecretRefWinsOverIrsa() throws Exception {
    fake.allow("AKIAFROMSECRET000001", "secret-from-the-secret");
    secrets.put(
        "aws-keys",
        Map.of(
            "AWS_ACCESS_KEY_ID",
            "AKIAFROMSECRET000001",
            "AWS_SECRET_ACCESS_KEY",
            "secret-from-the-secret"));
    EcrSource spec = Credentials.ecrSource(REGION, "aws-keys");

    provider(irsaEnv(tokenFile(WEB_TOKEN))).fetch(ecr(spec));

    assertThat(fake.calls(Operation.WEB_IDENTITY)).isZero();
    assertThat(fake.accessKeyIds(Operation.ECR)).containsExactly("AKIAFROMSECRET000001");
  }

  // --- EKS Pod Identity ---

  @Test
  void podIdentityThenEcrSignedWithTheSession() throws Exception {
    fake.allowPodIdentity(POD_TOKEN);

    RegistryToken token = provider(podEnv(tokenFile(POD_TOKEN))).fetch(ecr(ownIdentity()));

    assertThat(token.auths())
        .extracting(RegistryAuth::password)
        .containsExactly(fake.lastIssuedPassword());
    assertThat(fake.podIdentityCalls())
        .containsExactly(new PodIdentityCall(FakeAws.POD_IDENTITY_PATH, POD_TOKEN));
    IssuedSession session = single(fake.podIdentitySessions());
    assertThat(fake.accessKeyIds(Operation.ECR)).containsExactly(session.accessKeyId());
    assertThat(fake.securityTokens(Operation.ECR)).containsExactly(session.sessionToken());
    assertThat(fake.calls(Operation.POD_IDENTITY)).isEqualTo(1);
    assertThat(fake.calls(Operation.WEB_IDENTITY)).isZero();
    assertThat(fake.rejections()).isEmpty();
  }

  @Test
  void podIdentityThenAssumeRole() throws Exception {
    fake.allowPodIdentity(POD_TOKEN);
    EcrSource spec = ownIdentity();
    spec.setRoleArn(TARGET_ROLE);

    provider(podEnv(tokenFile(POD_TOKEN + "\n"))).fetch(ecr(spec));

    // The token file's trailing newline is not sent (a header value cannot end in one).
    assertThat(fake.podIdentityCalls())
        .containsExactly(new PodIdentityCall(FakeAws.POD_IDENTITY_PATH, POD_TOKEN));
    IssuedSession session = single(fake.podIdentitySessions());
    assertThat(fake.assumeRoleCalls())
        .containsExactly(
            new AssumeRoleCall(session.accessKeyId(), TARGET_ROLE, "regcred-operator", null));
    assertThat(fake.accessKeyIds(Operation.ECR)).isEqualTo(fake.assumedKeyIds()).hasSize(1);
    assertThat(fake.rejections()).isEmpty();
  }

  @Test
  void podIdentityWrongTokenIsAccessDeniedWithoutTheToken() throws Exception {
    fake.allowPodIdentity("eyJ-another-token");

    SourceException e = failure(provider(podEnv(tokenFile(POD_TOKEN))), ecr(ownIdentity()));

    assertThat(e.reason()).isEqualTo("AccessDenied");
    assertThat(e.getMessage())
        .isEqualTo("EKS Pod Identity credentials request was refused (HTTP 401)");
    assertThat(fake.calls(Operation.POD_IDENTITY)).isEqualTo(1);
    assertThat(fake.calls(Operation.ECR)).isZero();
  }

  @Test
  void podIdentityAnswerLargerThanTheBoundIsRefusedNotCut() throws Exception {
    fake.allowPodIdentity(POD_TOKEN);
    fake.podIdentityEndlessBody();

    SourceException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(10),
            () -> failure(provider(podEnv(tokenFile(POD_TOKEN))), ecr(ownIdentity())));

    assertThat(e.reason()).isEqualTo("ProviderError");
    assertThat(e.getMessage())
        .isEqualTo("EKS Pod Identity credentials request answered with a body larger than 64 KiB");
    assertThat(fake.calls(Operation.ECR)).isZero();
    assertThat(fake.endlessBytesWritten()).isLessThan(8L * 1024 * 1024);
  }

  @Test
  void podIdentityAgentOutageIsRetriedThenProviderUnavailable() throws Exception {
    fake.allowPodIdentity(POD_TOKEN);
    fake.failNextWithServerError(Operation.POD_IDENTITY, 10);

    SourceException e = failure(provider(podEnv(tokenFile(POD_TOKEN))), ecr(ownIdentity()));

    assertThat(e.reason()).isEqualTo("ProviderUnavailable");
    assertThat(e.getMessage()).isEqualTo("EKS Pod Identity credentials request failed (HTTP 500)");
    assertThat(fake.calls(Operation.POD_IDENTITY)).isEqualTo(3);
  }

  @Test
  void podIdentityOneAgentErrorIsRetried() throws Exception {
    fake.allowPodIdentity(POD_TOKEN);
    fake.failNextWithServerError(Operation.POD_IDENTITY, 1);

    provider(podEnv(tokenFile(POD_TOKEN))).fetch(ecr(ownIdentity()));

    assertThat(fake.calls(Operation.POD_IDENTITY)).isEqualTo(2);
    assertThat(fake.calls(Operation.ECR)).isEqualTo(1);
  }

  @Test
  void podIdentityOverPlainHttpToARemoteHostIsRefusedWithoutACall() throws Exception {
    Map<String, String> env = podEnv(tokenFile(POD_TOKEN));
    env.put("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.10/v1/credentials");

    SourceException e = failure(provider(env), ecr(ownIdentity()));

    assertThat(e.reason()).isEqualTo("CredentialUnavailable");
    assertThat(e.getMessage()).startsWith("AWS_CONTAINER_CREDENTIALS_FULL_URI must be HTTPS");
    assertThat(fake.calls(Operation.POD_IDENTITY)).isZero();
  }

  @Test
  void podIdentityAgentNotListeningIsProviderUnreachable() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      port = socket.getLocalPort();
    }
    Map<String, String> env = podEnv(tokenFile(POD_TOKEN));
    env.put("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:" + port + "/v1/credentials");

    SourceException e = failure(provider(env), ecr(ownIdentity()));

    assertThat(e.reason()).isEqualTo("ProviderUnreachable");
    assertThat(e.getMessage())
        .isEqualTo(
            "EKS Pod Identity credentials request failed: no response from the endpoint"
                + " (ConnectException)");
  }

  @Test
  void podIdentityMissingTokenFileIsCredentialsUnavailable() {
    SourceException e = failure(provider(podEnv(dir.resolve("no-such-token"))), ecr(ownIdentity()));

    assertThat(e.reason()).isEqualTo("CredentialUnavailable");
    assertThat(e.getMessage())
        .isEqualTo(
            "the EKS Pod Identity token file (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) could not"
                + " be read (NoSuchFileException)");
    assertThat(fake.calls(Operation.POD_IDENTITY)).isZero();
  }

  /**
   * The fake agent speaks what the SDK's own ContainerCredentialsProvider expects. That provider
   * reads its URI and token file only from the process environment or system properties, so this
   * one test sets (and restores) the system properties {@code aws.containerCredentialsFullUri} and
   * {@code aws.containerAuthorizationTokenFile}.
   */
  @Test
  void theSdksContainerProviderAgreesWithTheFakeAgent() throws Exception {
    assumeTrue(System.getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") == null);
    assumeTrue(System.getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN") == null);
    assumeTrue(System.getProperty("aws.containerAuthorizationToken") == null);
    fake.allowPodIdentity(POD_TOKEN);
    Path file = tokenFile(POD_TOKEN);
    AwsCredentials credentials;
    try (SystemProperties props = new SystemProperties()) {
      props.set("aws.containerCredentialsFullUri", fake.podIdentityUri().toString());
      props.set("aws.containerAuthorizationTokenFile", file.toString());
      try (ContainerCredentialsProvider sdk = ContainerCredentialsProvider.builder().build()) {
        credentials = sdk.resolveCredentials();
      }
    }

    IssuedSession session = single(fake.podIdentitySessions());
    assertThat(credentials).isInstanceOf(AwsSessionCredentials.class);
    assertThat(credentials.accessKeyId()).isEqualTo(session.accessKeyId());
    assertThat(((AwsSessionCredentials) credentials).sessionToken())
        .isEqualTo(session.sessionToken());
    assertThat(fake.podIdentityCalls())
        .containsExactly(new PodIdentityCall(FakeAws.POD_IDENTITY_PATH, POD_TOKEN));
  }

  // --- nothing ---

  @Test
  void noIdentityAtAllIsCredentialsUnavailable() throws Exception {
    for (String name :
        List.of(
            "AWS_ACCESS_KEY_ID",
            "AWS_ROLE_ARN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_PROFILE")) {
      assumeTrue(System.getenv(name) == null, name + " is set in the test environment");
    }
    assumeTrue(System.getProperty("aws.accessKeyId") == null);
    SourceException e;
    // The SDK's default chain, kept away from this machine's profile files and from the EC2
    // instance metadata service.
    try (SystemProperties props = new SystemProperties()) {
      props.set("aws.disableEc2Metadata", "true");
      props.set("aws.sharedCredentialsFile", dir.resolve("no-credentials").toString());
      props.set("aws.configFile", dir.resolve("no-config").toString());
      e = failure(provider(Map.of("AWS_REGION", REGION)), ecr(ownIdentity()));
    }

    assertThat(e.reason()).isEqualTo("CredentialUnavailable");
    assertThat(e.getMessage())
        .startsWith("no credentialsSecretRef is set and the default AWS credentials chain");
    assertThat(fake.calls(Operation.ECR)).isZero();
    assertThat(fake.calls(Operation.WEB_IDENTITY)).isZero();
    assertThat(fake.calls(Operation.POD_IDENTITY)).isZero();
  }

  // --- helpers ---

  private Map<String, String> irsaEnv(Path tokenFile) {
    Map<String, String> env = new HashMap<>();
    env.put("AWS_ROLE_ARN", IRSA_ROLE);
    env.put("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile.toString());
    env.put("AWS_REGION", REGION);
    env.put("AWS_STS_REGIONAL_ENDPOINTS", "regional");
    return env;
  }

  private Map<String, String> podEnv(Path tokenFile) {
    Map<String, String> env = new HashMap<>();
    env.put("AWS_CONTAINER_CREDENTIALS_FULL_URI", fake.podIdentityUri().toString());
    env.put("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tokenFile.toString());
    env.put("AWS_REGION", REGION);
    return env;
  }

  private Path tokenFile(String content) throws IOException {
    Path file = Files.createTempFile(dir, "token", "");
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  private EcrTokenProvider provider(Map<String, String> env) {
    ProviderHttp http;
    try {
      http = new ProviderHttp(SSLContext.getDefault(), Duration.ofSeconds(5));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    AwsEndpoints endpoints =
        new AwsEndpoints(Optional.of(fake.uri()), Optional.of(fake.uri()), Optional.of(fake.uri()));
    EcrTokenProvider provider =
        new EcrTokenProvider(secrets, CLOCK, endpoints, http, AwsIdentityEnv.of(env));
    providers.add(provider);
    return provider;
  }

  private static EcrSource ownIdentity(String... registryIds) {
    return Credentials.ecrSource(REGION, null, registryIds);
  }

  private static ClusterRegistryCredential ecr(EcrSource ecr) {
    return Credentials.named("ecr-own-identity").ecr(ecr).build();
  }

  private SourceException failure(EcrTokenProvider provider, ClusterRegistryCredential credential) {
    SourceException e =
        catchThrowableOfType(SourceException.class, () -> provider.fetch(credential));
    assertThat(e).as("a SourceException").isNotNull();
    assertThat(e.getMessage()).isNotBlank();
    assertThat(e.getCause()).isNull();
    messages.add(e.getMessage());
    messages.add(String.valueOf(e));
    return e;
  }

  private static <T> T single(List<T> list) {
    assertThat(list).hasSize(1);
    return list.get(0);
  }

  /** Sets system properties and restores the previous values on close. */
  private static final class SystemProperties implements AutoCloseable {
    private final Map<String, String> previous = new HashMap<>();

    void set(String name, String value) {
      previous.putIfAbsent(name, System.getProperty(name));
      System.setProperty(name, value);
    }

    @Override
    public void close() {
      previous.forEach(
          (name, value) -> {
            if (value == null) {
              System.clearProperty(name);
            } else {
              System.setProperty(name, value);
            }
          });
    }
  }
}
