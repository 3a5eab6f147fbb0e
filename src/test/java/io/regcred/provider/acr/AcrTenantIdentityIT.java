package io.regcred.provider.acr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.regcred.api.v1alpha1.AcrSource;
import io.regcred.model.Reason;
import io.regcred.model.RegistryToken;
import io.regcred.model.TenantIdentity;
import io.regcred.provider.InMemorySecrets;
import io.regcred.provider.SourceException;
import io.regcred.provider.TenantCluster;
import io.regcred.provider.TestTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACR with a tenant's own identity on the real API server: a real TokenRequest for the tenant's
 * ServiceAccount as client assertion at a fake Entra ID whose app trusts exactly that
 * ServiceAccount, the ACR exchange, a refresh token out. The operator's own Azure identity (tenant,
 * client, federated token file, client secret) is configured and must never be used.
 */
class AcrTenantIdentityIT {

  static final String TENANT = "11111111-2222-3333-4444-555555555555";
  static final String CLIENT = "66666666-7777-8888-9999-000000000000";
  static final String OPERATOR_CLIENT = "99999999-8888-7777-6666-555555555555";
  static final String OPERATOR_TOKEN = "operator-federated-token-CANARY";
  static final String OPERATOR_SECRET = "operator-client-secret-CANARY";
  static final String SA = "puller";

  @TempDir Path tmp;

  private TenantCluster cluster;
  private FakeEntra entra;
  private FakeAcr acr;
  private AcrTokenProvider provider;

  @BeforeEach
  void start() throws Exception {
    cluster = new TenantCluster();
    entra = new FakeEntra(TENANT, CLIENT);
    acr = new FakeAcr(entra, TENANT, Clock.systemUTC());
    Path operatorToken = tmp.resolve("azure-identity-token");
    Files.writeString(operatorToken, OPERATOR_TOKEN);
    provider =
        new AcrTokenProvider(
            new InMemorySecrets(),
            Clock.systemUTC(),
            new AzureSettings(
                Optional.of(entra.authorityHost()),
                Map.of(
                    AzureSettings.TENANT_ID_ENV,
                    TENANT,
                    AzureSettings.CLIENT_ID_ENV,
                    OPERATOR_CLIENT,
                    AzureSettings.FEDERATED_TOKEN_FILE_ENV,
                    operatorToken.toString(),
                    "AZURE_CLIENT_SECRET",
                    OPERATOR_SECRET),
                Set.of(acr.server())),
            TestTls.get().providerHttp());
  }

  @AfterEach
  void stop() {
    acr.close();
    entra.close();
    cluster.close();
  }

  private AcrSource spec() {
    AcrSource spec = new AcrSource();
    spec.setServer(acr.server());
    return spec;
  }

  /** The failure of a fetch with this test's tenant identity and {@code token}. */
  private SourceException fetchFails(Supplier<String> token) {
    SourceException e =
        catchThrowableOfType(
            SourceException.class,
            () -> provider.fetch(spec(), new TenantIdentity.Azure(TENANT, CLIENT), token));
    assertThat(e).as("fetch should fail").isNotNull();
    return e;
  }

  @Test
  void theTenantsServiceAccountTokenBuysAnAcrTokenAndTheOperatorsIdentityIsNeverUsed()
      throws Exception {
    String ns = cluster.namespaceWith("tenant-acr", SA);
    entra.trustServiceAccount(cluster.trust(ns, SA, TenantIdentity.Azure.AUDIENCE));

    RegistryToken token =
        provider.fetch(
            spec(),
            new TenantIdentity.Azure(TENANT, CLIENT),
            cluster.supplier(ns, SA, TenantIdentity.Azure.AUDIENCE));

    assertThat(token.auths())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.server()).isEqualTo(acr.server());
              assertThat(acr.issued()).contains(a.password());
            });
    assertThat(entra.tokenForms())
        .singleElement()
        .satisfies(
            form -> {
              assertThat(form)
                  .containsEntry("client_id", CLIENT)
                  .doesNotContainKey("client_secret");
              assertThat(form.get("client_assertion")).isNotEqualTo(OPERATOR_TOKEN);
            });
    assertThat(entra.unknownRequests()).isEmpty();
  }

  @Test
  void aServiceAccountOfTheSameNameInAnotherNamespaceIsAnotherSubjectAndRefused() throws Exception {
    String trusted = cluster.namespaceWith("tenant-acr-a", SA);
    String other = cluster.namespaceWith("tenant-acr-b", SA);
    entra.trustServiceAccount(cluster.trust(trusted, SA, TenantIdentity.Azure.AUDIENCE));

    SourceException e = fetchFails(cluster.supplier(other, SA, TenantIdentity.Azure.AUDIENCE));
    assertThat(e.reason()).isEqualTo(Reason.AccessDenied.name());
    assertThat(e.getMessage()).contains("Entra ID token", "invalid_client");
    assertThat(acr.exchangeCalls()).isZero();
  }

  @Test
  void aTokenForAnotherAudienceIsRefused() throws Exception {
    String ns = cluster.namespaceWith("tenant-acr", SA);
    entra.trustServiceAccount(cluster.trust(ns, SA, TenantIdentity.Azure.AUDIENCE));

    SourceException e = fetchFails(cluster.supplier(ns, SA, TenantIdentity.Aws.AUDIENCE));
    assertThat(e.reason()).isEqualTo(Reason.AccessDenied.name());
    assertThat(acr.exchangeCalls()).isZero();
  }

  @Test
  void aMissingServiceAccountIsReportedAndNothingIsSent() throws Exception {
    String ns = cluster.namespaceWith("tenant-acr", SA);

    SourceException e = fetchFails(cluster.supplier(ns, "nobody", TenantIdentity.Azure.AUDIENCE));
    assertThat(e.reason()).isEqualTo(Reason.CredentialUnavailable.name());
    assertThat(e.getMessage()).isEqualTo("ServiceAccount " + ns + "/nobody does not exist");
    assertThat(entra.tokenCalls()).isZero();
  }
}
