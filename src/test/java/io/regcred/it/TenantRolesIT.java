package io.regcred.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.api.v1alpha1.RegistryCredentialStatus;
import io.regcred.testing.Credentials;
import io.regcred.testing.NamespacedCredentials;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ClusterRoles shipped for tenants (config/rbac: regcred-operator-edit and -view) on a real API
 * server, where kube-controller-manager's own clusterrole-aggregation controller copies them into
 * the built-in {@code admin}, {@code edit} and {@code view} ClusterRoles, as on every cluster.
 * Users are bound only to those built-in roles, by RoleBindings in one namespace: an editor (or
 * admin) manages RegistryCredentials there and nowhere else and never touches
 * ClusterRegistryCredentials or a credential's status; a viewer reads them and writes nothing.
 */
class TenantRolesIT {

  static final String HOME = "tenant-roles-home";
  static final String OTHER = "tenant-roles-other";

  /** Bound to the built-in edit ClusterRole in {@link #HOME}. */
  static final String EDITOR = "erin";

  /** Bound to the built-in admin ClusterRole in {@link #HOME}. */
  static final String NAMESPACE_ADMIN = "ada";

  /** Bound to the built-in view ClusterRole in {@link #HOME}. */
  static final String VIEWER = "victor";

  /**
   * Bound to the built-in edit ClusterRole cluster-wide, as some clusters bind their developers: a
   * RoleBinding cannot reach a cluster-scoped resource, this binding could.
   */
  static final String CLUSTER_EDITOR = "cleo";

  static final List<String> EDIT_VERBS =
      List.of("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection");

  static KubernetesClient admin;
  static ControllerManager controllers;
  static List<HasMetadata> tenantRoles;

  @BeforeAll
  static void cluster() throws Exception {
    admin = TestCluster.newAdminClient();
    String rbacYaml = RbacIT.run(List.of("kubectl", "kustomize", "config/rbac"));
    tenantRoles =
        admin
            .load(new ByteArrayInputStream(rbacYaml.getBytes(StandardCharsets.UTF_8)))
            .items()
            .stream()
            .filter(RbacIT::aggregated)
            .toList();
    assertThat(tenantRoles)
        .extracting(r -> r.getMetadata().getName())
        .containsExactlyInAnyOrder("regcred-operator-edit", "regcred-operator-view");
    controllers = ControllerManager.start("clusterrole-aggregation-controller");
    Fixtures.namespace(admin, HOME, Map.of());
    Fixtures.namespace(admin, OTHER, Map.of());
    bind(EDITOR, "edit");
    bind(NAMESPACE_ADMIN, "admin");
    bind(VIEWER, "view");
    admin
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(CLUSTER_EDITOR + "-edit")
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "edit")
                .addNewSubject()
                .withKind("User")
                .withApiGroup("rbac.authorization.k8s.io")
                .withName(CLUSTER_EDITOR)
                .endSubject()
                .build())
        .serverSideApply();
    for (HasMetadata role : tenantRoles) {
      admin.resource(role).forceConflicts().serverSideApply();
    }
    // The controller copies the rules within moments of seeing the roles; the authorizer learns of
    // the changed built-in roles through an informer.
    await("the shipped rules aggregated into admin, edit and view; log in " + controllers.log())
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                allowed(EDITOR, "create", "registrycredentials", HOME)
                    && allowed(NAMESPACE_ADMIN, "create", "registrycredentials", HOME)
                    && allowed(VIEWER, "list", "registrycredentials", HOME)
                    && allowed(CLUSTER_EDITOR, "create", "registrycredentials", OTHER));
  }

  @AfterAll
  static void close() throws Exception {
    if (admin != null) {
      for (String ns : List.of(HOME, OTHER)) {
        for (RegistryCredential rc :
            admin.resources(RegistryCredential.class).inNamespace(ns).list().getItems()) {
          rc.getMetadata().setFinalizers(List.of());
          admin.resource(rc).update();
          admin.resource(rc).delete();
        }
        admin.rbac().roleBindings().inNamespace(ns).delete();
        Fixtures.removeNamespace(admin, ns);
      }
      admin.rbac().clusterRoleBindings().withName(CLUSTER_EDITOR + "-edit").delete();
      // Leave the built-in roles as the API server made them: the controller takes the copied
      // rules out again once the shipped roles are gone.
      for (HasMetadata role : tenantRoles) {
        admin.resource(role).delete();
      }
      await("aggregated rules removed from edit; log in " + controllers.log())
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  admin.rbac().clusterRoles().withName("edit").get().getRules().stream()
                      .noneMatch(r -> r.getApiGroups().contains("regcred.io")));
      admin.close();
    }
    if (controllers != null) {
      controllers.close();
    }
  }

  @Test
  void editorsAndAdminsManageRegistryCredentialsInTheirNamespaceOnly() {
    for (String user : List.of(EDITOR, NAMESPACE_ADMIN)) {
      try (KubernetesClient tenant = as(user)) {
        var credentials = tenant.resources(RegistryCredential.class);
        RegistryCredential created =
            credentials.resource(credential(HOME, user + "-quay")).create();
        assertThat(credentials.inNamespace(HOME).withName(user + "-quay").get()).isNotNull();
        assertThat(credentials.inNamespace(HOME).list().getItems())
            .extracting(c -> c.getMetadata().getName())
            .contains(user + "-quay");
        credentials
            .inNamespace(HOME)
            .withName(user + "-quay")
            .edit(
                c -> {
                  c.getSpec().getSource().getStaticSource().setServer("registry.example.com");
                  return c;
                });
        // The status is the operator's to write.
        created.setStatus(new RegistryCredentialStatus());
        assertForbidden(() -> credentials.resource(created).patchStatus());
        credentials.resource(created).delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.resource(created).get() == null);

        // deletecollection, as `kubectl delete regcred --all` sends it
        credentials.resource(credential(HOME, user + "-a")).create();
        credentials.inNamespace(HOME).delete();
        assertThat(admin.resources(RegistryCredential.class).inNamespace(HOME).list().getItems())
            .extracting(c -> c.getMetadata().getName())
            .doesNotContain(user + "-a");

        // Not in a namespace they are not bound in, and never the cluster-scoped kind.
        assertForbidden(() -> credentials.resource(credential(OTHER, user + "-x")).create());
        assertForbidden(() -> credentials.inNamespace(OTHER).list());
        assertForbidden(
            () ->
                tenant
                    .resource(
                        Credentials.named(user + "-cluster")
                            .staticSource("quay-robot", "quay.io")
                            .namespaces(HOME)
                            .build())
                    .create());
        assertForbidden(() -> tenant.resources(ClusterRegistryCredential.class).list());
      }
      // Every verb the shipped role names, and nothing on the status but reading it.
      for (String verb : EDIT_VERBS) {
        assertThat(allowed(user, verb, "registrycredentials", HOME)).as(verb).isTrue();
        assertThat(allowed(user, verb, "registrycredentials", OTHER)).as(verb).isFalse();
        assertThat(allowed(user, verb, "clusterregistrycredentials", "")).as(verb).isFalse();
      }
      assertThat(allowed(user, "get", "registrycredentials/status", HOME)).isTrue();
      // What a RegistryCredential does for them they may already do by hand in their namespace:
      // read and write its Secrets and ServiceAccounts, and request a ServiceAccount's token.
      for (String[] byHand :
          List.of(
              new String[] {"get", "secrets"},
              new String[] {"create", "secrets"},
              new String[] {"patch", "serviceaccounts"},
              new String[] {"create", "serviceaccounts/token"})) {
        assertThat(allowed(user, "", byHand[0], byHand[1], HOME))
            .as("%s may %s %s", user, byHand[0], byHand[1])
            .isTrue();
      }
      for (String verb : List.of("update", "patch")) {
        assertThat(allowed(user, verb, "registrycredentials/status", HOME)).as(verb).isFalse();
      }
    }
  }

  /**
   * ClusterRegistryCredentials write into many namespaces and may use the operator's own identity:
   * not even someone who may edit every namespace gets them through the shipped roles.
   */
  @Test
  void clusterWideEditorsGetNoClusterRegistryCredentials() {
    try (KubernetesClient editor = as(CLUSTER_EDITOR)) {
      var credential = editor.resource(credential(OTHER, "cleo-quay")).create();
      editor.resource(credential).delete();
      assertForbidden(
          () ->
              editor
                  .resource(
                      Credentials.named("cleo-cluster")
                          .staticSource("quay-robot", "quay.io")
                          .namespaces(OTHER)
                          .build())
                  .create());
      assertForbidden(() -> editor.resources(ClusterRegistryCredential.class).list());
    }
    for (String verb : EDIT_VERBS) {
      assertThat(allowed(CLUSTER_EDITOR, verb, "clusterregistrycredentials", ""))
          .as(verb)
          .isFalse();
      assertThat(allowed(CLUSTER_EDITOR, verb, "clusterregistrycredentials/status", ""))
          .as(verb)
          .isFalse();
    }
  }

  @Test
  void viewersReadRegistryCredentialsAndWriteNothing() {
    RegistryCredential existing = admin.resource(credential(HOME, "viewed")).serverSideApply();
    try (KubernetesClient viewer = as(VIEWER)) {
      var credentials = viewer.resources(RegistryCredential.class);
      assertThat(credentials.inNamespace(HOME).withName("viewed").get()).isNotNull();
      assertThat(credentials.inNamespace(HOME).list().getItems())
          .extracting(c -> c.getMetadata().getName())
          .contains("viewed");
      assertForbidden(() -> credentials.resource(credential(HOME, "mine")).create());
      assertForbidden(
          () ->
              credentials
                  .inNamespace(HOME)
                  .withName("viewed")
                  .edit(
                      c -> {
                        c.getSpec().getSource().getStaticSource().setServer("evil.example.com");
                        return c;
                      }));
      assertForbidden(() -> credentials.resource(existing).delete());
      assertForbidden(() -> credentials.inNamespace(HOME).delete());
      assertForbidden(() -> credentials.inNamespace(OTHER).list());
      assertForbidden(() -> viewer.resources(ClusterRegistryCredential.class).list());
    } finally {
      admin.resource(existing).delete();
    }
    for (String verb : List.of("get", "list", "watch")) {
      assertThat(allowed(VIEWER, verb, "registrycredentials", HOME)).as(verb).isTrue();
      assertThat(allowed(VIEWER, verb, "registrycredentials/status", HOME)).as(verb).isTrue();
    }
    for (String verb : List.of("create", "update", "patch", "delete", "deletecollection")) {
      assertThat(allowed(VIEWER, verb, "registrycredentials", HOME)).as(verb).isFalse();
    }
  }

  // --- helpers -----------------------------------------------------------------------------

  /** A static-source credential; what it reads does not matter here, only who may write it. */
  static RegistryCredential credential(String namespace, String name) {
    return NamespacedCredentials.named(namespace, name)
        .staticSource("quay-robot", "quay.io")
        .build();
  }

  /** A RoleBinding in {@link #HOME} from the user to one of the built-in ClusterRoles. */
  static void bind(String user, String clusterRole) {
    admin
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName(user + "-" + clusterRole)
                .withNamespace(HOME)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", clusterRole)
                .addNewSubject()
                .withKind("User")
                .withApiGroup("rbac.authorization.k8s.io")
                .withName(user)
                .endSubject()
                .build())
        .serverSideApply();
  }

  static KubernetesClient as(String user) {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder(TestCluster.adminConfig())
                .withImpersonateUsername(user)
                .withImpersonateGroups("system:authenticated")
                .build())
        .build();
  }

  /** The API server's authorizer on one request of the user (resource may name a subresource). */
  static boolean allowed(String user, String verb, String resource, String namespace) {
    return allowed(user, "regcred.io", verb, resource, namespace);
  }

  static boolean allowed(
      String user, String group, String verb, String resource, String namespace) {
    String[] parts = resource.split("/", 2);
    return admin
        .authorization()
        .v1()
        .subjectAccessReview()
        .create(
            new SubjectAccessReviewBuilder()
                .withNewSpec()
                .withUser(user)
                .withGroups("system:authenticated")
                .withNewResourceAttributes()
                .withGroup(group)
                .withResource(parts[0])
                .withSubresource(parts.length > 1 ? parts[1] : null)
                .withVerb(verb)
                .withNamespace(namespace)
                .endResourceAttributes()
                .endSpec()
                .build())
        .getStatus()
        .getAllowed();
  }

  static void assertForbidden(ThrowingCallable request) {
    assertThatThrownBy(request)
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
  }
}
