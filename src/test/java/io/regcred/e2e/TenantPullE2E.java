package io.regcred.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.regcred.api.v1alpha1.LocalSecretReference;
import io.regcred.api.v1alpha1.LocalSource;
import io.regcred.api.v1alpha1.LocalStaticSource;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.api.v1alpha1.RegistryCredentialSpec;
import io.regcred.api.v1alpha1.Verification;
import io.regcred.model.ConditionType;
import io.regcred.model.StatusFactory;
import io.regcred.testing.Credentials;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tenant self-service on a real node: a user who is only {@code edit} in their namespace (the
 * built-in role, with the shipped RegistryCredential rules aggregated into it by the real
 * controller-manager) creates a registry login Secret and a namespaced RegistryCredential there;
 * the operator (shipped RBAC) writes the pull Secret and patches the namespace's {@code default}
 * ServiceAccount, and the kubelet pulls the private image with it. The same user can neither create
 * one in another namespace nor a ClusterRegistryCredential, and a Pod in the other namespace is
 * refused by the registry. The node's registry is on 127.0.0.1, which namespaced credentials are
 * verified against only because {@link ShippedOperator} lists it (REGCRED_TENANT_VERIFY_ALLOWED).
 */
class TenantPullE2E extends OnTheNode.WithShippedOperator {

  static final String TEAM = "e2e-tenant";
  static final String OTHER = "e2e-tenant-other";
  static final String USER = "alice@example.test";
  static final String CREDENTIAL = "team-pull";
  static final String LOGIN = "registry-login";
  static final String POD = "app";

  @BeforeAll
  static void installOperator() throws Exception {
    install("tenant-pull-e2e.log");
  }

  /** A client acting as the tenant user (the admin impersonating them). */
  private static KubernetesClient asTenant() {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder(admin.getConfiguration()).withImpersonateUsername(USER).build())
        .build();
  }

  @Test
  void anEditorCreatesACredentialInTheirNamespaceAndItsPodPullsThePrivateImage() {
    for (String ns : List.of(TEAM, OTHER)) {
      admin
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .serverSideApply();
    }
    admin
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName("alice-edit")
                .withNamespace(TEAM)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "edit")
                .addNewSubject()
                .withKind("User")
                .withApiGroup("rbac.authorization.k8s.io")
                .withName(USER)
                .endSubject()
                .build())
        .serverSideApply();

    try (KubernetesClient tenant = asTenant()) {
      long start = System.nanoTime();
      // The aggregation is the controller-manager's: wait until edit carries the shipped rules.
      await("edit aggregates the RegistryCredential rules")
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptionsInstanceOf(KubernetesClientException.class)
          .until(
              () -> {
                tenant.resources(RegistryCredential.class).inNamespace(TEAM).list();
                return true;
              });
      tenant
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName(LOGIN)
                  .withNamespace(TEAM)
                  .endMetadata()
                  .withType("kubernetes.io/basic-auth")
                  .withStringData(
                      Map.of("username", node.registryUser(), "password", node.registryPassword()))
                  .build())
          .create();
      tenant.resource(credential(TEAM)).create();

      await("the credential Ready and Verified, as its user sees it")
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                var status =
                    tenant
                        .resources(RegistryCredential.class)
                        .inNamespace(TEAM)
                        .withName(CREDENTIAL)
                        .get()
                        .getStatus();
                assertThat(status).isNotNull();
                for (ConditionType type : List.of(ConditionType.Ready, ConditionType.Verified)) {
                  assertThat(StatusFactory.find(status, type).map(c -> c.getStatus()))
                      .as(type.name())
                      .contains("True");
                }
              });
      await("the operator lists its Secret in " + TEAM + "/default")
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(pods.pullSecrets(TEAM)).contains(CREDENTIAL));
      double listed = (System.nanoTime() - start) / 1e9;

      Pod created = pods.create(TEAM, POD);
      assertThat(created.getSpec().getImagePullSecrets())
          .extracting(LocalObjectReference::getName)
          .containsExactly(CREDENTIAL);
      long podStart = System.nanoTime();
      pods.awaitRunning(TEAM, POD);
      double running = (System.nanoTime() - podStart) / 1e9;

      // The tenant's reach ends at their namespace.
      var elsewhere =
          catchThrowableOfType(
              KubernetesClientException.class, () -> tenant.resource(credential(OTHER)).create());
      assertThat(elsewhere.getCode()).isEqualTo(403);
      var clusterWide =
          catchThrowableOfType(
              KubernetesClientException.class,
              () ->
                  tenant
                      .resource(
                          Credentials.named("tenant-wide")
                              .staticSource(LOGIN, node.registry())
                              .namespaces(OTHER)
                              .build())
                      .create());
      assertThat(clusterWide.getCode()).isEqualTo(403);
      Pod other = pods.create(OTHER, POD);
      assertThat(other.getSpec().getImagePullSecrets()).isNullOrEmpty();
      pods.awaitRefused(OTHER, POD);
      assertThat(admin.secrets().inNamespace(OTHER).list().getItems())
          .noneMatch(s -> s.getMetadata().getName().equals(CREDENTIAL));

      // Deleting it takes its Secret and ServiceAccount entry away.
      tenant.resources(RegistryCredential.class).inNamespace(TEAM).withName(CREDENTIAL).delete();
      await("the Secret removed with the credential")
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                assertThat(admin.secrets().inNamespace(TEAM).withName(CREDENTIAL).get()).isNull();
                assertThat(pods.pullSecrets(TEAM)).doesNotContain(CREDENTIAL);
              });
      System.out.printf(
          "tenant self-service: Secret listed in %s/default %.1f s after the editor started, Pod"
              + " Running %.1f s after it was created%n",
          TEAM, listed, running);
    }
  }

  private static RegistryCredential credential(String namespace) {
    var stat = new LocalStaticSource();
    stat.setSecretRef(new LocalSecretReference(LOGIN));
    stat.setServer(node.registry());
    var source = new LocalSource();
    source.setStaticSource(stat);
    var verification = new Verification();
    verification.setEnabled(true);
    verification.setCaBundle(registryCa());
    var spec = new RegistryCredentialSpec();
    spec.setSource(source);
    spec.setVerification(verification);
    var credential = new RegistryCredential();
    credential.setMetadata(
        new ObjectMetaBuilder().withName(CREDENTIAL).withNamespace(namespace).build());
    credential.setSpec(spec);
    return credential;
  }

  @AfterAll
  static void cleanUp() {
    tearDown(List.of(), List.of(TEAM, OTHER));
  }
}
