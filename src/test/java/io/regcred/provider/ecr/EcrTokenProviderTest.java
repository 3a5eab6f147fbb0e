package io.regcred.provider.ecr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.EcrSource;
import io.regcred.it.LogCapture;
import io.regcred.model.RegistryAuth;
import io.regcred.model.RegistryToken;
import io.regcred.provider.InMemorySecrets;
import io.regcred.provider.ProviderHttp;
import io.regcred.provider.SourceException;
import io.regcred.provider.TestTls;
import io.regcred.provider.ecr.FakeAws.AssumeRoleCall;
import io.regcred.provider.ecr.FakeAws.Operation;
import io.regcred.testing.Credentials;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EcrTokenProviderTest {

  private static final String REGION = "eu-west-1";
  private static final String KEY_ID = "AKIAFAKEKEYID0000001";
  private static final String SECRET_MARKER = "s3cr3t-ACCESS-KEY-MARKER";
  private static final String PASSWORD_MARKER = "pa55w0rd-ISSUED-MARKER-";
  private static final String SESSION_MARKER = "s3ss10n-TOKEN-MARKER";
  private static final String ROLE = "arn:aws:iam::210987654321:role/puller";
  private static final Instant NOW = Instant.parse("2025-04-05T06:07:08Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private final InMemorySecrets secrets = new InMemorySecrets();
  private final List<String> messages = new ArrayList<>();
  private FakeAws fake;

  @BeforeEach
  void startFake() throws IOException {
    fake = FakeAws.start(REGION).allow(KEY_ID, SECRET_MARKER).clock(CLOCK);
    fake.passwordPrefix(PASSWORD_MARKER);
    secrets.put(
        "aws-keys", Map.of("AWS_ACCESS_KEY_ID", KEY_ID, "AWS_SECRET_ACCESS_KEY", SECRET_MARKER));
  }

  @AfterEach
  void stopFake() {
    fake.close();
    // The canary: no failure of any test said a secret.
    for (String message : messages) {
      assertThat(message)
          .doesNotContain(SECRET_MARKER)
          .doesNotContain(PASSWORD_MARKER)
          .doesNotContain(SESSION_MARKER)
          .doesNotContain("Authorization=")
          .doesNotContain("Credential=");
    }
  }

  private static ProviderHttp plainHttp(Duration timeout) {
    try {
      return new ProviderHttp(SSLContext.getDefault(), timeout);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private EcrTokenProvider provider() {
    return provider(fake.uri(), plainHttp(Duration.ofSeconds(5)));
  }

  private EcrTokenProvider provider(URI endpoint, ProviderHttp http) {
    AwsEndpoints endpoints =
        new AwsEndpoints(Optional.of(endpoint), Optional.of(endpoint), Optional.of(endpoint));
    return new EcrTokenProvider(secrets, CLOCK, endpoints, http, AwsIdentityEnv.none());
  }

  private static ClusterRegistryCredential ecr(EcrSource ecr) {
    return Credentials.named("ecr-prod").ecr(ecr).build();
  }

  private static EcrSource privateEcr(String secretName, String... registryIds) {
    return Credentials.ecrSource(REGION, secretName, registryIds);
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

  @Test
  void supportsOnlyEcrSources() {
    ClusterRegistryCredential other = Credentials.named("ecr-prod").staticSource("x", null).build();

    assertThat(provider().supports(ecr(privateEcr("aws-keys")))).isTrue();
    assertThat(provider().supports(other)).isFalse();
  }

  @Test
  void staticKeysGiveOneLoginPerRegistry() throws Exception {
    RegistryToken token =
        provider().fetch(ecr(privateEcr("aws-keys", "111111111111", "222222222222")));

    String password = fake.lastIssuedPassword();
    assertThat(password).startsWith(PASSWORD_MARKER);
    assertThat(token.auths())
        .containsExactly(
            new RegistryAuth("111111111111.dkr.ecr.eu-west-1.amazonaws.com", "AWS", password),
            new RegistryAuth("222222222222.dkr.ecr.eu-west-1.amazonaws.com", "AWS", password));
    assertThat(token.issuedAt()).isEqualTo(NOW);
    assertThat(token.expiresAt()).contains(NOW.plus(Duration.ofHours(12)));
    assertThat(token.toString()).doesNotContain(password);
    assertThat(fake.registryIdRequests()).containsExactly(List.of("111111111111", "222222222222"));
    assertThat(fake.accessKeyIds(Operation.ECR)).containsExactly(KEY_ID);
    assertThat(fake.calls(Operation.ECR)).isEqualTo(1);
    assertThat(fake.calls(Operation.ASSUME_ROLE)).isZero();
    assertThat(fake.rejections()).isEmpty();
  }

  @Test
  void withoutRegistryIdsTheCallersRegistryAndTheFakesLifetime() throws Exception {
    fake.tokenLifetime(Duration.ofMinutes(90));

    RegistryToken token = provider().fetch(ecr(privateEcr("aws-keys")));

    assertThat(token.auths())
        .containsExactly(
            new RegistryAuth(
                FakeAws.DEFAULT_REGISTRY_ID + ".dkr.ecr.eu-west-1.amazonaws.com",
                "AWS",
                fake.lastIssuedPassword()));
    assertThat(token.expiresAt()).contains(NOW.plus(Duration.ofMinutes(90)));
    assertThat(fake.registryIdRequests()).containsExactly(List.of());
    assertThat(fake.rejections()).isEmpty();
  }

  @Test
  void oneCallPerFetch() throws Exception {
    EcrTokenProvider provider = provider();
    ClusterRegistryCredential credential = ecr(privateEcr("aws-keys", "111111111111"));

    for (int i = 1; i <= 3; i++) {
      provider.fetch(credential);
      assertThat(fake.calls(Operation.ECR)).isEqualTo(i);
    }
    assertThat(fake.issuedPasswords()).hasSize(3).doesNotHaveDuplicates();
  }

  @Test
  void sessionTokenFromTheSecretIsSent() throws Exception {
    fake.allowSession("ASIAFROMSECRET000001", SECRET_MARKER, SESSION_MARKER);
    secrets.put(
        "session-keys",
        Map.of(
            "AWS_ACCESS_KEY_ID",
            "ASIAFROMSECRET000001\n",
            "AWS_SECRET_ACCESS_KEY",
            SECRET_MARKER + "\n",
            "AWS_SESSION_TOKEN",
            SESSION_MARKER));

    RegistryToken token = provider().fetch(ecr(privateEcr("session-keys")));

    assertThat(token.auths()).hasSize(1);
    assertThat(fake.accessKeyIds(Operation.ECR)).containsExactly("ASIAFROMSECRET000001");
    assertThat(fake.rejections()).isEmpty();
  }

  @Test
  void sessionCredentialsWithoutTheirTokenAreRefused() {
    fake.allowSession("ASIAFROMSECRET000001", SECRET_MARKER, SESSION_MARKER);
    secrets.put(
        "no-token",
        Map.of(
            "AWS_ACCESS_KEY_ID", "ASIAFROMSECRET000001", "AWS_SECRET_ACCESS_KEY", SECRET_MARKER));

    SourceException e = failure(provider(), ecr(privateEcr("no-token")));

    assertThat(e.reason()).isEqualTo("AccessDenied");
    assertThat(e.getMessage())
        .isEqualTo("ECR GetAuthorizationToken failed: UnrecognizedClientException (HTTP 400)");
  }

  @Test
  void wrongSecretKeyIsAccessDenied() {
    secrets.put(
        "wrong",
        Map.of("AWS_ACCESS_KEY_ID", KEY_ID, "AWS_SECRET_ACCESS_KEY", "not-" + SECRET_MARKER));

    SourceException e = failure(provider(), ecr(privateEcr("wrong")));

    assertThat(e.reason()).isEqualTo("AccessDenied");
    assertThat(e.getMessage())
        .isEqualTo("ECR GetAuthorizationToken failed: InvalidSignatureException (HTTP 400)");
    assertThat(fake.rejections()).singleElement().asString().contains("signature mismatch");
    assertThat(fake.calls(Operation.ECR)).isEqualTo(1);
  }

  @Test
  void assumeRoleThenEcrWithTheAssumedSession() throws Exception {
    EcrSource spec = privateEcr("aws-keys", "210987654321");
    spec.setRoleArn(ROLE);
    spec.setExternalId("ext-42");

    RegistryToken token = provider().fetch(ecr(spec));

    assertThat(token.auths())
        .containsExactly(
            new RegistryAuth(
                "210987654321.dkr.ecr.eu-west-1.amazonaws.com", "AWS", fake.lastIssuedPassword()));
    assertThat(fake.assumeRoleCalls())
        .containsExactly(new AssumeRoleCall(KEY_ID, ROLE, "regcred-operator", "ext-42"));
    // The fake accepts the assumed key only with its session token and signature.
    assertThat(fake.assumedKeyIds()).hasSize(1);
    assertThat(fake.accessKeyIds(Operation.ECR)).isEqualTo(fake.assumedKeyIds());
    assertThat(fake.calls(Operation.ASSUME_ROLE)).isEqualTo(1);
    assertThat(fake.calls(Operation.ECR)).isEqualTo(1);
    assertThat(fake.rejections()).isEmpty();
  }

  @Test
  void assumeRoleWithoutExternalIdSendsNone() throws Exception {
    EcrSource spec = privateEcr("aws-keys");
    spec.setRoleArn(ROLE);

    provider().fetch(ecr(spec));

    assertThat(fake.assumeRoleCalls())
        .containsExactly(new AssumeRoleCall(KEY_ID, ROLE, "regcred-operator", null));
  }

  @Test
  void assumeRoleRefusedIsReportedAsSts() {
    fake.failNext(Operation.ASSUME_ROLE, 1, 403, "AccessDenied", "echo " + SECRET_MARKER);
    EcrSource spec = privateEcr("aws-keys");
    spec.setRoleArn(ROLE);

    SourceException e = failure(provider(), ecr(spec));

    assertThat(e.reason()).isEqualTo("AccessDenied");
    assertThat(e.getMessage()).isEqualTo("STS AssumeRole failed: AccessDenied (HTTP 403)");
    assertThat(fake.calls(Operation.ECR)).isZero();
  }

  @Test
  void assumeRoleServerErrorIsProviderUnavailable() {
    fake.failNextWithServerError(Operation.ASSUME_ROLE, 10);
    EcrSource spec = privateEcr("aws-keys");
    spec.setRoleArn(ROLE);

    SourceException e = failure(provider(), ecr(spec));

    assertThat(e.reason()).isEqualTo("ProviderUnavailable");
    assertThat(e.getMessage()).isEqualTo("STS AssumeRole failed: InternalFailure (HTTP 500)");
  }

  @Test
  void ecrPublic() throws Exception {
    fake.close();
    fake = FakeAws.start("us-east-1").allow(KEY_ID, SECRET_MARKER).clock(CLOCK);
    fake.passwordPrefix(PASSWORD_MARKER);
    EcrSource spec = Credentials.ecrSource("us-east-1", "aws-keys");
    spec.setPublicRegistry(true);

    RegistryToken token = provider().fetch(ecr(spec));

    assertThat(token.auths())
        .containsExactly(new RegistryAuth("public.ecr.aws", "AWS", fake.lastIssuedPassword()));
    assertThat(token.issuedAt()).isEqualTo(NOW);
    assertThat(token.expiresAt()).contains(NOW.plus(Duration.ofHours(12)));
    assertThat(fake.calls(Operation.ECR_PUBLIC)).isEqualTo(1);
    assertThat(fake.calls(Operation.ECR)).isZero();
    assertThat(fake.accessKeyIds(Operation.ECR_PUBLIC)).containsExactly(KEY_ID);
    assertThat(fake.rejections()).isEmpty();
  }

  @Test
  void ecrPublicThroughAssumeRole() throws Exception {
    fake.close();
    fake = FakeAws.start("us-east-1").allow(KEY_ID, SECRET_MARKER);
    EcrSource spec = Credentials.ecrSource("us-east-1", "aws-keys");
    spec.setPublicRegistry(true);
    spec.setRoleArn(ROLE);

    RegistryToken token = provider().fetch(ecr(spec));

    assertThat(token.auths()).extracting(RegistryAuth::server).containsExactly("public.ecr.aws");
    assertThat(fake.accessKeyIds(Operation.ECR_PUBLIC)).isEqualTo(fake.assumedKeyIds());
    assertThat(fake.rejections()).isEmpty();
  }

  @Test
  void missingSecretIsSourceSecretNotFound() {
    SourceException e = failure(provider(), ecr(privateEcr("absent")));

    assertThat(e.reason()).isEqualTo("SourceSecretNotFound");
    assertThat(e.getMessage()).isEqualTo("Secret regcred-system/absent not found");
    assertThat(fake.calls(Operation.ECR)).isZero();
  }

  @Test
  void missingKeysAreSourceSecretInvalid() {
    secrets.put("no-secret-key", Map.of("AWS_ACCESS_KEY_ID", KEY_ID));
    secrets.put("no-key-id", Map.of("AWS_SECRET_ACCESS_KEY", SECRET_MARKER));
    secrets.put("blank", Map.of("AWS_ACCESS_KEY_ID", " ", "AWS_SECRET_ACCESS_KEY", "\n"));

    assertThat(failure(provider(), ecr(privateEcr("no-secret-key"))).getMessage())
        .isEqualTo("Secret regcred-system/no-secret-key lacks the key(s) AWS_SECRET_ACCESS_KEY");
    assertThat(failure(provider(), ecr(privateEcr("no-key-id"))).getMessage())
        .isEqualTo("Secret regcred-system/no-key-id lacks the key(s) AWS_ACCESS_KEY_ID");
    SourceException blank = failure(provider(), ecr(privateEcr("blank")));
    assertThat(blank.reason()).isEqualTo("SourceSecretInvalid");
    assertThat(blank.getMessage()).contains("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY");
    assertThat(fake.calls(Operation.ECR)).isZero();
  }

  @Test
  void clientErrorsMapByCode() {
    fake.failNext(Operation.ECR, 1, 400, "AccessDeniedException", "echo " + SECRET_MARKER);
    fake.failNext(Operation.ECR, 1, 400, "InvalidParameterException", "echo " + PASSWORD_MARKER);
    fake.failNext(Operation.ECR, 1, 403, "SomethingNew", "no");
    EcrTokenProvider provider = provider();
    ClusterRegistryCredential credential = ecr(privateEcr("aws-keys"));

    SourceException denied = failure(provider, credential);
    SourceException invalid = failure(provider, credential);
    SourceException forbidden = failure(provider, credential);

    assertThat(denied.reason()).isEqualTo("AccessDenied");
    assertThat(denied.getMessage())
        .isEqualTo("ECR GetAuthorizationToken failed: AccessDeniedException (HTTP 400)");
    assertThat(invalid.reason()).isEqualTo("ProviderError");
    assertThat(invalid.getMessage())
        .isEqualTo("ECR GetAuthorizationToken failed: InvalidParameterException (HTTP 400)");
    assertThat(forbidden.reason()).isEqualTo("AccessDenied");
    assertThat(fake.calls(Operation.ECR)).isEqualTo(3);
  }

  @Test
  void errorAnswersAreNeverEchoed() {
    // Shaped like an AWS error code, so only an allow list keeps it out; the fake sends the code
    // in the x-amzn-ErrorType header and the body.
    String canary = "Canary3f9a1c";
    try (LogCapture logs = new LogCapture()) {
      fake.failNext(Operation.ECR, 1, 400, canary, "echo " + canary);
      fake.failNext(Operation.ECR, 1, 400, "AccessDeniedException", "echo " + canary);
      fake.failNext(Operation.ASSUME_ROLE, 1, 403, canary, "echo " + canary);
      EcrSource assumeRole = privateEcr("aws-keys");
      assumeRole.setRoleArn(ROLE);

      SourceException unknown = failure(provider(), ecr(privateEcr("aws-keys")));
      SourceException known = failure(provider(), ecr(privateEcr("aws-keys")));
      SourceException sts = failure(provider(), ecr(assumeRole));

      assertThat(unknown.getMessage())
          .isEqualTo("ECR GetAuthorizationToken failed: EcrException (HTTP 400)");
      assertThat(known.getMessage())
          .isEqualTo("ECR GetAuthorizationToken failed: AccessDeniedException (HTTP 400)");
      assertThat(sts.getMessage()).isEqualTo("STS AssumeRole failed: StsException (HTTP 403)");
      assertThat(logs.lines())
          .noneMatch(l -> l.toLowerCase(java.util.Locale.ROOT).contains("canary"));
    }
  }

  @Test
  void serverErrorsAreProviderUnavailable() {
    fake.failNextWithServerError(Operation.ECR, 10);

    SourceException e = failure(provider(), ecr(privateEcr("aws-keys")));

    assertThat(e.reason()).isEqualTo("ProviderUnavailable");
    assertThat(e.getMessage())
        .isEqualTo("ECR GetAuthorizationToken failed: ServerException (HTTP 500)");
    // The provider asks for the SDK's standard retry mode: three attempts.
    assertThat(fake.calls(Operation.ECR)).isEqualTo(3);
  }

  @Test
  void throttlingIsProviderUnavailable() {
    fake.failNext(Operation.ECR, 10, 400, "ThrottlingException", "slow down");

    SourceException e = failure(provider(), ecr(privateEcr("aws-keys")));

    assertThat(e.reason()).isEqualTo("ProviderUnavailable");
    assertThat(e.getMessage())
        .isEqualTo("ECR GetAuthorizationToken failed: ThrottlingException (HTTP 400)");
  }

  @Test
  void oneServerErrorIsRetriedBySdk() throws Exception {
    fake.failNextWithServerError(Operation.ECR, 1);

    RegistryToken token = provider().fetch(ecr(privateEcr("aws-keys")));

    assertThat(token.auths()).hasSize(1);
    assertThat(fake.calls(Operation.ECR)).isEqualTo(2);
  }

  @Test
  void connectionRefusedIsProviderUnreachable() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      port = socket.getLocalPort();
    }

    SourceException e =
        failure(
            provider(URI.create("http://127.0.0.1:" + port), plainHttp(Duration.ofSeconds(5))),
            ecr(privateEcr("aws-keys")));

    assertThat(e.reason()).isEqualTo("ProviderUnreachable");
    assertThat(e.getMessage())
        .isEqualTo(
            "ECR GetAuthorizationToken failed: no response from the endpoint (ConnectException)");
  }

  @Test
  void slowEndpointTimesOutAsProviderUnreachable() {
    fake.delayNext(Operation.ECR, 5, Duration.ofSeconds(4));
    long start = System.nanoTime();

    SourceException e =
        failure(
            provider(fake.uri(), plainHttp(Duration.ofSeconds(1))), ecr(privateEcr("aws-keys")));

    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(e.reason()).isEqualTo("ProviderUnreachable");
    assertThat(e.getMessage()).startsWith("ECR GetAuthorizationToken failed: no response");
    assertThat(took).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void malformedTokenIsProviderErrorWithoutTheToken() {
    fake.issueRawToken(PASSWORD_MARKER + "-no-colon");

    SourceException e = failure(provider(), ecr(privateEcr("aws-keys")));

    assertThat(e.reason()).isEqualTo("ProviderError");
    assertThat(e.getMessage())
        .isEqualTo(
            "ECR GetAuthorizationToken returned an authorization token that is not in"
                + " user:password form");
  }

  @Test
  void httpsEndpointUsesTheProviderTlsContext() throws Exception {
    fake.close();
    fake = FakeAws.startTls(REGION).allow(KEY_ID, SECRET_MARKER).clock(CLOCK);

    RegistryToken token =
        provider(fake.uri(), TestTls.get().providerHttp()).fetch(ecr(privateEcr("aws-keys")));
    SourceException untrusted =
        failure(
            provider(fake.uri(), plainHttp(Duration.ofSeconds(5))), ecr(privateEcr("aws-keys")));

    assertThat(token.auths())
        .extracting(RegistryAuth::password)
        .containsExactly(fake.issuedPasswords().get(0));
    assertThat(untrusted.reason()).isEqualTo("ProviderUnreachable");
    assertThat(fake.calls(Operation.ECR)).isEqualTo(1);
  }

  @Test
  void missingRegionIsProviderError() {
    EcrSource spec = privateEcr("aws-keys");
    spec.setRegion(null);

    SourceException e = failure(provider(), ecr(spec));

    assertThat(e.reason()).isEqualTo("ProviderError");
    assertThat(e.getMessage()).isEqualTo("spec.source.ecr.region is not set");
  }

  @Test
  void serverOfProxyEndpoint() {
    assertThat(EcrTokenProvider.server("https://1.dkr.ecr.eu-west-1.amazonaws.com"))
        .isEqualTo("1.dkr.ecr.eu-west-1.amazonaws.com");
    assertThat(EcrTokenProvider.server("https://1.dkr.ecr.cn-north-1.amazonaws.com.cn/"))
        .isEqualTo("1.dkr.ecr.cn-north-1.amazonaws.com.cn");
    assertThat(EcrTokenProvider.server("1.dkr.ecr-fips.us-east-1.amazonaws.com"))
        .isEqualTo("1.dkr.ecr-fips.us-east-1.amazonaws.com");
    assertThat(EcrTokenProvider.server(null)).isNull();
    assertThat(EcrTokenProvider.server("https://")).isNull();
  }
}
