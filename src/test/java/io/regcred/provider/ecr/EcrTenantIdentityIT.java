package io.regcred.provider.ecr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.regcred.api.v1alpha1.EcrSource;
import io.regcred.api.v1alpha1.SecretReference;
import io.regcred.model.Reason;
import io.regcred.model.RegistryToken;
import io.regcred.model.TenantIdentity;
import io.regcred.provider.InMemorySecrets;
import io.regcred.provider.SourceException;
import io.regcred.provider.TenantCluster;
import io.regcred.provider.TestTls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ECR with a tenant's own identity on the real API server: a real TokenRequest for the tenant's
 * ServiceAccount, AssumeRoleWithWebIdentity at a fake STS whose role trusts exactly that
 * ServiceAccount (subject, audience, the API server's signature), and an ECR token out. The
 * operator's own identity (IRSA file, EKS Pod Identity) is configured and must never be used.
 */
class EcrTenantIdentityIT {

  static final String REGION = "eu-west-1";
  static final String TENANT_ROLE = "arn:aws:iam::123456789012:role/tenant-puller";
  static final String OPERATOR_ROLE = "arn:aws:iam::123456789012:role/regcred-operator";
  static final String OPERATOR_TOKEN = "operator-irsa-token-CANARY";
  static final String SA = "puller";

  @TempDir Path tmp;

  private TenantCluster cluster;
  private FakeAws aws;
  private FakeAws operatorAgent;

  @BeforeEach
  void start() throws Exception {
    cluster = new TenantCluster();
    aws = FakeAws.start(REGION);
    // The operator's own identities are valid: if the tenant path used them, they would work.
    aws.allowWebIdentity(OPERATOR_ROLE, OPERATOR_TOKEN);
    operatorAgent = FakeAws.start(REGION).allowPodIdentity("operator-pod-identity-CANARY");
  }

  @AfterEach
  void stop() {
    aws.close();
    operatorAgent.close();
    cluster.close();
  }

  private EcrTokenProvider provider(AwsIdentityEnv operatorIdentity) {
    return new EcrTokenProvider(
        new InMemorySecrets(),
        Clock.systemUTC(),
        new AwsEndpoints(Optional.of(aws.uri()), Optional.of(aws.uri()), Optional.of(aws.uri())),
        TestTls.get().providerHttp(),
        operatorIdentity);
  }

  private AwsIdentityEnv operatorIrsa() throws Exception {
    Path file = tmp.resolve("operator-token");
    Files.writeString(file, OPERATOR_TOKEN);
    return AwsIdentityEnv.of(
        Map.of(
            AwsIdentityEnv.ROLE_ARN,
            OPERATOR_ROLE,
            AwsIdentityEnv.WEB_IDENTITY_TOKEN_FILE,
            file.toString()));
  }

  private AwsIdentityEnv operatorPodIdentity() {
    return AwsIdentityEnv.of(
        Map.of(
            AwsIdentityEnv.CONTAINER_FULL_URI,
            operatorAgent.podIdentityUri().toString(),
            AwsIdentityEnv.CONTAINER_TOKEN,
            "operator-pod-identity-CANARY"));
  }

  private static EcrSource spec() {
    EcrSource spec = new EcrSource();
    spec.setRegion(REGION);
    return spec;
  }

  /** The failure of a fetch with this test's tenant identity and {@code token}. */
  private SourceException fetchFails(Supplier<String> token) {
    SourceException e =
        catchThrowableOfType(
            SourceException.class,
            () ->
                provider(operatorIrsa()).fetch(spec(), new TenantIdentity.Aws(TENANT_ROLE), token));
    assertThat(e).as("fetch should fail").isNotNull();
    return e;
  }

  @Test
  void theTenantsServiceAccountTokenBuysAnEcrTokenAndTheOperatorsIdentityIsNeverUsed()
      throws Exception {
    String ns = cluster.namespaceWith("tenant-ecr", SA);
    aws.trustServiceAccount(TENANT_ROLE, cluster.trust(ns, SA, TenantIdentity.Aws.AUDIENCE));

    for (AwsIdentityEnv operatorIdentity : List.of(operatorIrsa(), operatorPodIdentity())) {
      RegistryToken token =
          provider(operatorIdentity)
              .fetch(
                  spec(),
                  new TenantIdentity.Aws(TENANT_ROLE),
                  cluster.supplier(ns, SA, TenantIdentity.Aws.AUDIENCE));

      assertThat(token.auths()).hasSize(1);
      assertThat(token.auths().get(0).password()).isEqualTo(aws.lastIssuedPassword());
    }

    assertThat(aws.rejections()).isEmpty();
    assertThat(aws.webIdentityCalls())
        .hasSize(2)
        .allSatisfy(
            call -> {
              assertThat(call.roleArn()).isEqualTo(TENANT_ROLE);
              assertThat(call.signed()).isFalse();
              assertThat(call.webIdentityToken()).isNotEqualTo(OPERATOR_TOKEN);
            });
    // Every ECR call was signed with a session the tenant's web identity bought.
    List<String> tenantKeys =
        aws.webIdentitySessions().stream().map(FakeAws.IssuedSession::accessKeyId).toList();
    assertThat(aws.accessKeyIds(FakeAws.Operation.ECR)).hasSize(2).allMatch(tenantKeys::contains);
    assertThat(operatorAgent.podIdentityCalls()).isEmpty();
  }

  @Test
  void aServiceAccountOfTheSameNameInAnotherNamespaceIsAnotherSubjectAndRefused() throws Exception {
    String trusted = cluster.namespaceWith("tenant-ecr-a", SA);
    String other = cluster.namespaceWith("tenant-ecr-b", SA);
    aws.trustServiceAccount(TENANT_ROLE, cluster.trust(trusted, SA, TenantIdentity.Aws.AUDIENCE));

    SourceException e = fetchFails(cluster.supplier(other, SA, TenantIdentity.Aws.AUDIENCE));
    assertThat(e.reason()).isEqualTo(Reason.AccessDenied.name());
    assertThat(e.getMessage()).contains("AssumeRoleWithWebIdentity", "AccessDenied");
    assertThat(aws.rejections()).singleElement().asString().contains("AccessDenied");
    assertThat(aws.calls(FakeAws.Operation.ECR)).isZero();
  }

  @Test
  void aTokenWithTheRightClaimsNotSignedByTheApiServerIsRefused() throws Exception {
    String ns = cluster.namespaceWith("tenant-ecr", SA);
    aws.trustServiceAccount(TENANT_ROLE, cluster.trust(ns, SA, TenantIdentity.Aws.AUDIENCE));
    String kid = cluster.jwks().keySet().iterator().next();
    String forged =
        forgedToken(kid, "system:serviceaccount:" + ns + ":" + SA, TenantIdentity.Aws.AUDIENCE);

    SourceException e = fetchFails(() -> forged);
    assertThat(e.reason()).isEqualTo(Reason.AccessDenied.name());
    assertThat(e.getMessage()).contains("InvalidIdentityToken").doesNotContain(forged);
    assertThat(aws.calls(FakeAws.Operation.ECR)).isZero();
  }

  /** An RS256 JWT with the claims of a real one, signed by a key the API server never had. */
  private static String forgedToken(String kid, String subject, String audience) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair key = generator.generateKeyPair();
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    long now = Instant.now().getEpochSecond();
    String header =
        b64.encodeToString(
            ("{\"alg\":\"RS256\",\"kid\":\"" + kid + "\"}").getBytes(StandardCharsets.UTF_8));
    String claims =
        b64.encodeToString(
            ("{\"aud\":[\""
                    + audience
                    + "\"],\"exp\":"
                    + (now + 600)
                    + ",\"iat\":"
                    + now
                    + ",\"sub\":\""
                    + subject
                    + "\"}")
                .getBytes(StandardCharsets.UTF_8));
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initSign(key.getPrivate());
    rsa.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
    return header + "." + claims + "." + b64.encodeToString(rsa.sign());
  }

  @Test
  void aTokenForAnotherAudienceIsRefused() throws Exception {
    String ns = cluster.namespaceWith("tenant-ecr", SA);
    aws.trustServiceAccount(TENANT_ROLE, cluster.trust(ns, SA, TenantIdentity.Aws.AUDIENCE));

    SourceException e = fetchFails(cluster.supplier(ns, SA, TenantIdentity.Azure.AUDIENCE));
    assertThat(e.reason()).isEqualTo(Reason.AccessDenied.name());
    assertThat(e.getMessage()).contains("InvalidIdentityToken");
    assertThat(aws.calls(FakeAws.Operation.ECR)).isZero();
  }

  @Test
  void whatATenantMayNotNameIsRefusedBeforeAnyTokenIsAskedFor() throws Exception {
    AtomicInteger tokensAskedFor = new AtomicInteger();
    Supplier<String> counting =
        () -> {
          tokensAskedFor.incrementAndGet();
          return "never-sent";
        };
    EcrSource withKeys = spec();
    withKeys.setCredentialsSecretRef(new SecretReference("aws-keys"));
    EcrSource chained = spec();
    chained.setRoleArn(OPERATOR_ROLE);

    for (var fetch :
        List.<ThrowingCallable>of(
            () ->
                provider(operatorIrsa())
                    .fetch(
                        spec(),
                        new TenantIdentity.Aws("arn:aws:iam::123456789012:user/admin"),
                        counting),
            () ->
                provider(operatorIrsa())
                    .fetch(withKeys, new TenantIdentity.Aws(TENANT_ROLE), counting),
            () ->
                provider(operatorIrsa())
                    .fetch(chained, new TenantIdentity.Aws(TENANT_ROLE), counting))) {
      SourceException e = catchThrowableOfType(SourceException.class, fetch);
      assertThat(e).isNotNull();
      assertThat(e.reason()).isEqualTo(Reason.InvalidSpec.name());
    }
    assertThat(tokensAskedFor.get()).isZero();
    assertThat(aws.webIdentityCalls()).isEmpty();
  }

  @Test
  void aMissingServiceAccountIsReportedAndNothingIsSent() throws Exception {
    String ns = cluster.namespaceWith("tenant-ecr", SA);

    SourceException e = fetchFails(cluster.supplier(ns, "nobody", TenantIdentity.Aws.AUDIENCE));
    assertThat(e.reason()).isEqualTo(Reason.CredentialUnavailable.name());
    assertThat(e.getMessage()).isEqualTo("ServiceAccount " + ns + "/nobody does not exist");
    assertThat(aws.webIdentityCalls()).isEmpty();
  }
}
