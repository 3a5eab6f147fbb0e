package io.regcred.provider.gar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.regcred.api.v1alpha1.GarSource;
import io.regcred.model.Reason;
import io.regcred.model.RegistryToken;
import io.regcred.model.TenantIdentity;
import io.regcred.provider.InMemorySecrets;
import io.regcred.provider.SourceException;
import io.regcred.provider.TenantCluster;
import io.regcred.provider.TestTls;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Artifact Registry with a tenant's own identity on the real API server: a real TokenRequest for
 * the tenant's ServiceAccount as subject token of the STS exchange at a fake pool provider that
 * trusts exactly that ServiceAccount, optionally service-account impersonation, an access token
 * out. The operator's own Application Default Credentials are there and must never be loaded.
 */
class GarTenantIdentityIT {

  static final String AUDIENCE =
      "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/tenants"
          + "/providers/cluster";
  static final String SERVICE_ACCOUNT = "puller@tenant-project.iam.gserviceaccount.com";
  static final String SA = "puller";

  private TenantCluster cluster;
  private FakeGoogle google;
  private final AtomicInteger adcLoads = new AtomicInteger();
  private GarTokenProvider provider;

  @BeforeEach
  void start() throws IOException {
    cluster = new TenantCluster();
    google = FakeGoogle.https();
    google.audience = AUDIENCE;
    provider =
        new GarTokenProvider(
            new InMemorySecrets(),
            Clock.systemUTC(),
            TestTls.get().providerHttp(),
            GarSettings.none(),
            google.endpoints(),
            transport -> {
              adcLoads.incrementAndGet();
              throw new IOException("the operator's own identity must not be asked for");
            });
  }

  @AfterEach
  void stop() {
    google.close();
    cluster.close();
  }

  private static GarSource spec() {
    GarSource spec = new GarSource();
    spec.setServers(List.of("europe-docker.pkg.dev"));
    return spec;
  }

  /** The failure of a fetch with this test's tenant identity and {@code token}. */
  private SourceException fetchFails(Supplier<String> token) {
    SourceException e =
        catchThrowableOfType(
            SourceException.class,
            () ->
                provider.fetch(
                    spec(), new TenantIdentity.Google(AUDIENCE, Optional.empty()), token));
    assertThat(e).as("fetch should fail").isNotNull();
    return e;
  }

  @Test
  void theTenantsServiceAccountTokenBuysAnAccessTokenAndTheOperatorsIdentityIsNeverUsed()
      throws Exception {
    String ns = cluster.namespaceWith("tenant-gar", SA);
    google.subjectTrust = cluster.trust(ns, SA, AUDIENCE);

    RegistryToken token =
        provider.fetch(
            spec(),
            new TenantIdentity.Google(AUDIENCE, Optional.empty()),
            cluster.supplier(ns, SA, AUDIENCE));

    assertThat(token.auths())
        .singleElement()
        .satisfies(a -> assertThat(a.password()).isEqualTo(google.stsAccessToken));
    assertThat(google.problems).isEmpty();
    assertThat(google.stsCalls.get()).isEqualTo(1);
    assertThat(google.lastStsForm)
        .containsEntry("subject_token_type", FakeGoogle.JWT_TOKEN_TYPE)
        .containsEntry("audience", AUDIENCE);
    assertThat(google.impersonationCalls.get()).isZero();
    assertThat(adcLoads.get()).isZero();
  }

  @Test
  void aNamedServiceAccountIsImpersonatedWithTheStsToken() throws Exception {
    String ns = cluster.namespaceWith("tenant-gar", SA);
    google.subjectTrust = cluster.trust(ns, SA, AUDIENCE);

    RegistryToken token =
        provider.fetch(
            spec(),
            new TenantIdentity.Google(AUDIENCE, Optional.of(SERVICE_ACCOUNT)),
            cluster.supplier(ns, SA, AUDIENCE));

    assertThat(token.auths())
        .singleElement()
        .satisfies(a -> assertThat(a.password()).isEqualTo(google.impersonatedToken));
    assertThat(google.problems).isEmpty();
    assertThat(google.impersonationCalls.get()).isEqualTo(1);
    assertThat(adcLoads.get()).isZero();
  }

  @Test
  void aServiceAccountOfTheSameNameInAnotherNamespaceIsAnotherSubjectAndRefused() throws Exception {
    String trusted = cluster.namespaceWith("tenant-gar-a", SA);
    String other = cluster.namespaceWith("tenant-gar-b", SA);
    google.subjectTrust = cluster.trust(trusted, SA, AUDIENCE);

    SourceException e = fetchFails(cluster.supplier(other, SA, AUDIENCE));
    assertThat(e.reason()).isEqualTo(Reason.AccessDenied.name());
    assertThat(e.getMessage()).contains("invalid_grant");
    assertThat(google.problems).containsExactly("subject_token refused: subject");
  }

  @Test
  void aTokenForAnotherAudienceIsRefused() throws Exception {
    String ns = cluster.namespaceWith("tenant-gar", SA);
    google.subjectTrust = cluster.trust(ns, SA, AUDIENCE);

    SourceException e = fetchFails(cluster.supplier(ns, SA, TenantIdentity.Aws.AUDIENCE));
    assertThat(e.reason()).isEqualTo(Reason.AccessDenied.name());
    assertThat(google.problems).containsExactly("subject_token refused: audience");
  }

  @Test
  void aMissingServiceAccountIsReportedAndNothingIsSent() throws Exception {
    String ns = cluster.namespaceWith("tenant-gar", SA);

    SourceException e = fetchFails(cluster.supplier(ns, "nobody", AUDIENCE));
    assertThat(e.reason()).isEqualTo(Reason.CredentialUnavailable.name());
    assertThat(e.getMessage()).isEqualTo("ServiceAccount " + ns + "/nobody does not exist");
    assertThat(google.stsCalls.get()).isZero();
  }
}
