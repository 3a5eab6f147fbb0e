package io.regcred.provider.gar;

import static io.regcred.it.CredentialChecks.dockerConfig;
import static io.regcred.it.CredentialChecks.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.Selector;
import io.regcred.api.v1alpha1.SelectorRequirement;
import io.regcred.api.v1alpha1.SelectorRequirement.Operator;
import io.regcred.it.LogCapture;
import io.regcred.it.RunningOperator;
import io.regcred.it.TestCluster;
import io.regcred.testing.Credentials;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Artifact Registry end to end on a real API server: google-auth-library signs a JWT with a
 * service-account key from a Secret, the local token endpoint verifies it, one access token goes to
 * every namespace under both servers, and a new one replaces it before it expires.
 */
class GarOperatorIT {

  static final String NS = "regcred-gar";

  @Test
  void fansOutOneAccessTokenAndRefreshesFromExpiresIn() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair keys = generator.generateKeyPair();
    try (LogCapture logs = new LogCapture();
        KubernetesClient client = TestCluster.newAdminClient();
        FakeGoogle google = FakeGoogle.http()) {
      google.publicKey = keys.getPublic();
      google.keyId = GarTokenProviderTest.KEY_ID;
      google.clientEmail = GarTokenProviderTest.EMAIL;
      google.expiresIn = 20;
      google.accessToken = "ya29.gar-CANARY-one";
      String keyJson = GarTokenProviderTest.serviceAccountKey(google.tokenUrl(), keys);
      for (String ns : List.of(NS, "gar-a", "gar-b", "gar-c")) {
        client
            .resource(
                new NamespaceBuilder()
                    .withNewMetadata()
                    .withName(ns)
                    .addToLabels("gar", "yes")
                    .endMetadata()
                    .build())
            .serverSideApply();
      }
      client
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName("gar-key")
                  .withNamespace(NS)
                  .endMetadata()
                  .withStringData(Map.of("key.json", keyJson))
                  .build())
          .serverSideApply();
      try (RunningOperator operator =
          RunningOperator.start(
              TestCluster.newAdminClient(), NS, secrets -> List.of(google.provider(secrets)))) {
        client
            .resource(
                Credentials.named("gar")
                    .gar(
                        Credentials.garSource(
                            "gar-key", List.of("europe-docker.pkg.dev", "gcr.io")))
                    .selector(
                        new Selector(
                            null, List.of(new SelectorRequirement("gar", Operator.Exists, null))))
                    .exclude(NS)
                    .build())
            .create();
        await().atMost(Duration.ofSeconds(30)).until(() -> ready(client, "gar", 3));
        assertThat(google.jwtCalls.get()).isEqualTo(1);
        Secret first = client.secrets().inNamespace("gar-c").withName("gar").get();
        assertThat(dockerConfig(first))
            .contains("\"europe-docker.pkg.dev\"")
            .contains("\"gcr.io\"")
            .contains("\"username\":\"oauth2accesstoken\"")
            .contains("ya29.gar-CANARY-one");
        assertThat(client.secrets().inNamespace(NS).withName("gar").get()).isNull();

        google.accessToken = "ya29.gar-CANARY-two";
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    dockerConfig(client.secrets().inNamespace("gar-c").withName("gar").get())
                        .contains("ya29.gar-CANARY-two"));
        assertThat(google.jwtCalls.get()).isEqualTo(2);
        assertThat(
                client.secrets().inNamespace("gar-c").withName("gar").get().getMetadata().getUid())
            .isEqualTo(first.getMetadata().getUid());

        for (String secret : List.of("ya29.gar-CANARY", "PRIVATE KEY")) {
          assertThat(logs.lines()).noneMatch(l -> l.contains(secret));
          assertThat(operator.main().metrics().scrape()).doesNotContain(secret);
        }
        client.resources(ClusterRegistryCredential.class).withName("gar").delete();
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    client.resources(ClusterRegistryCredential.class).withName("gar").get()
                        == null);
      }
    }
  }
}
