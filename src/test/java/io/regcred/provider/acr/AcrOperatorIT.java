package io.regcred.provider.acr;

import static io.regcred.it.CredentialChecks.dockerConfig;
import static io.regcred.it.CredentialChecks.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.it.LogCapture;
import io.regcred.it.RunningOperator;
import io.regcred.it.TestCluster;
import io.regcred.provider.TestTls;
import io.regcred.testing.Credentials;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * ACR end to end on a real API server: azure-identity against a local Entra ID, the exchange
 * against a local ACR, one fetch for all namespaces, rotation before the refresh token's own exp.
 */
class AcrOperatorIT {

  static final String NS = "regcred-acr";
  static final String TENANT = "11111111-2222-3333-4444-555555555555";
  static final String CLIENT = "66666666-7777-8888-9999-000000000000";
  static final String CLIENT_SECRET = "acr-cs-CANARY-" + System.nanoTime();

  @Test
  void fansOutOneTokenAndRotatesBeforeItsExpClaim() throws Exception {
    try (LogCapture logs = new LogCapture();
        KubernetesClient client = TestCluster.newAdminClient();
        FakeEntra entra = new FakeEntra(TENANT, CLIENT).acceptClientSecret(CLIENT_SECRET);
        FakeAcr acr = new FakeAcr(entra, TENANT, Clock.systemUTC())) {
      acr.lifetime(Duration.ofSeconds(20));
      for (String ns : List.of(NS, "acr-a", "acr-b", "acr-c")) {
        client
            .resource(
                new NamespaceBuilder()
                    .withNewMetadata()
                    .withName(ns)
                    .addToLabels("acr", "yes")
                    .endMetadata()
                    .build())
            .serverSideApply();
      }
      client
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName("acr-sp")
                  .withNamespace(NS)
                  .endMetadata()
                  .withStringData(Map.of("clientSecret", CLIENT_SECRET))
                  .build())
          .serverSideApply();
      var settings =
          new AzureSettings(Optional.of(entra.authorityHost()), Map.of(), Set.of(acr.server()));
      try (RunningOperator operator =
          RunningOperator.start(
              TestCluster.newAdminClient(),
              NS,
              secrets ->
                  List.of(
                      new AcrTokenProvider(
                          secrets, Clock.systemUTC(), settings, TestTls.get().providerHttp())))) {
        client
            .resource(
                Credentials.named("acr")
                    .acr(Credentials.acrSource(acr.server(), TENANT, CLIENT, "acr-sp"))
                    .namespaces("acr-a", "acr-b", "acr-c")
                    .build())
            .create();
        await().atMost(Duration.ofSeconds(30)).until(() -> ready(client, "acr", 3));
        assertThat(entra.tokenCalls()).isEqualTo(1);
        assertThat(acr.exchangeCalls()).isEqualTo(1);
        Secret first = client.secrets().inNamespace("acr-b").withName("acr").get();
        String config = dockerConfig(first);
        assertThat(config)
            .contains("\"" + acr.server() + "\"")
            .contains("\"username\":\"00000000-0000-0000-0000-000000000000\"")
            .contains(acr.issued().get(0));
        Instant expiresAt =
            Instant.parse(first.getMetadata().getAnnotations().get("regcred.io/expires-at"));

        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    !dockerConfig(client.secrets().inNamespace("acr-b").withName("acr").get())
                        .equals(config));
        assertThat(Instant.now()).isBefore(expiresAt);
        assertThat(acr.exchangeCalls()).isEqualTo(2);
        assertThat(
                client.secrets().inNamespace("acr-b").withName("acr").get().getMetadata().getUid())
            .isEqualTo(first.getMetadata().getUid());

        for (String secret : List.of(CLIENT_SECRET, acr.issued().get(0))) {
          assertThat(logs.lines()).noneMatch(l -> l.contains(secret));
          assertThat(operator.main().metrics().scrape()).doesNotContain(secret);
          assertThat(
                  io.fabric8.kubernetes.client.utils.Serialization.asJson(
                      client
                          .resources(ClusterRegistryCredential.class)
                          .withName("acr")
                          .get()
                          .getStatus()))
              .doesNotContain(secret);
        }
        client.resources(ClusterRegistryCredential.class).withName("acr").delete();
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    client.resources(ClusterRegistryCredential.class).withName("acr").get()
                        == null);
      }
    }
  }
}
