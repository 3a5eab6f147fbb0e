package io.regcred.provider.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.regcred.it.TestCluster;
import io.regcred.model.Reason;
import io.regcred.provider.ServiceAccountTrust;
import io.regcred.provider.SourceException;
import io.regcred.provider.TenantCluster;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** TokenRequests on the real API server: who the token is, for whom, how long, and refusals. */
class ServiceAccountTokensIT {

  private TenantCluster cluster;

  @BeforeEach
  void start() {
    cluster = new TenantCluster();
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void theTokenIsTheServiceAccountsForTheAudienceSignedByTheApiServer() throws Exception {
    String ns = cluster.namespaceWith("tenant-tokens", "puller");

    String token = cluster.tokens().token(ns, "puller", "sts.amazonaws.com", Duration.ZERO);

    assertThat(
            ServiceAccountTrust.of(cluster.jwks(), ns, "puller", "sts.amazonaws.com").check(token))
        .isEmpty();
    assertThat(ServiceAccountTrust.of(cluster.jwks(), ns, "puller", "other").check(token))
        .contains(ServiceAccountTrust.Refusal.AUDIENCE);
  }

  @Test
  void theLifetimeIsBoundedToWhatTheApiServerAllowsAndAnHour() throws Exception {
    String ns = cluster.namespaceWith("tenant-tokens", "puller");
    ServiceAccountTokens tokens = cluster.tokens();

    assertThat(lifetime(tokens.token(ns, "puller", "a", Duration.ofMinutes(1))))
        .isEqualTo(Duration.ofMinutes(10));
    assertThat(lifetime(tokens.token(ns, "puller", "a", Duration.ofMinutes(20))))
        .isEqualTo(Duration.ofMinutes(20));
    assertThat(lifetime(tokens.token(ns, "puller", "a", Duration.ofDays(2))))
        .isEqualTo(Duration.ofHours(1));
  }

  @Test
  void anOperatorWithoutCreateOnServiceAccountTokensIsToldSo() {
    String ns = cluster.namespaceWith("tenant-tokens", "puller");
    Config impersonating =
        new ConfigBuilder(TestCluster.adminConfig())
            .withImpersonateUsername("system:serviceaccount:regcred-system:no-token-rights")
            .build();
    try (KubernetesClient client =
        new KubernetesClientBuilder().withConfig(impersonating).build()) {
      assertThatThrownBy(
              () -> new ServiceAccountTokens(client).token(ns, "puller", "a", Duration.ZERO))
          .isInstanceOfSatisfying(
              SourceException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.Forbidden.name());
                assertThat(e.getMessage())
                    .isEqualTo(
                        "the operator may not request a token for ServiceAccount "
                            + ns
                            + "/puller: it needs create on serviceaccounts/token");
              });
    }
  }

  @Test
  void aMissingServiceAccountIsNamed() {
    String ns = cluster.namespaceWith("tenant-tokens", "puller");

    assertThatThrownBy(() -> cluster.tokens().token(ns, "nobody", "a", Duration.ZERO))
        .isInstanceOfSatisfying(
            SourceException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.CredentialUnavailable.name());
              assertThat(e.getMessage())
                  .isEqualTo("ServiceAccount " + ns + "/nobody does not exist");
            });
  }

  private static Duration lifetime(String jwt) throws Exception {
    JsonNode claims =
        new ObjectMapper().readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    return Duration.ofSeconds(claims.path("exp").asLong() - claims.path("iat").asLong());
  }
}
