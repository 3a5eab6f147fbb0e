package io.regcred.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped admission policy (config/admission, and the Helm chart's namespaceLabelPolicy) on a
 * real API server: a tenant who may create and edit namespaces can neither create one carrying an
 * opt-in label nor add, change or remove one later (through the namespace or its status and
 * finalize subresources), while other labels stay free; the labellers an installation names may.
 * kube-controller-manager's policy status controller type-checks the policy's CEL against the
 * Namespace schema first.
 */
class NamespaceLabelPolicyIT {

  /** May create and edit namespaces, as in clusters where teams make their own. */
  static final String TENANT = "tina";

  static final String PLATFORM_GROUP = "platform-admins";
  static final String ARGOCD = "system:serviceaccount:argocd:argocd-application-controller";

  /** An opt-in key of the default convention; no credential of another test selects it. */
  static final String OPT_IN = "regcred.io/policy-test";

  static final String EDITOR = "regcred-test-namespace-editor";

  static KubernetesClient admin;
  static ControllerManager controllers;
  static final AtomicInteger names = new AtomicInteger();
  static final List<String> created = new ArrayList<>();

  @BeforeAll
  static void cluster() throws Exception {
    admin = TestCluster.newAdminClient();
    controllers = ControllerManager.start("validatingadmissionpolicy-status-controller");
    admin
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName(EDITOR)
                .endMetadata()
                .addNewRule()
                .withApiGroups("")
                .withResources("namespaces")
                .withVerbs("get", "list", "watch", "create", "update", "patch")
                .endRule()
                .addNewRule()
                .withApiGroups("")
                .withResources("namespaces/status", "namespaces/finalize")
                .withVerbs("get", "update", "patch")
                .endRule()
                .build())
        .serverSideApply();
    // Everyone in this test may edit namespaces; only the policy tells them apart.
    admin
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(EDITOR)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", EDITOR)
                .addNewSubject()
                .withKind("User")
                .withApiGroup("rbac.authorization.k8s.io")
                .withName(TENANT)
                .endSubject()
                .addNewSubject()
                .withKind("User")
                .withApiGroup("rbac.authorization.k8s.io")
                .withName("alice")
                .endSubject()
                .addNewSubject()
                .withKind("User")
                .withApiGroup("rbac.authorization.k8s.io")
                .withName("quentin")
                .endSubject()
                .addNewSubject()
                .withKind("Group")
                .withApiGroup("rbac.authorization.k8s.io")
                .withName(PLATFORM_GROUP)
                .endSubject()
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName("argocd-application-controller")
                .withNamespace("argocd")
                .endSubject()
                .build())
        .serverSideApply();
  }

  @AfterAll
  static void close() throws Exception {
    if (admin != null) {
      // No credential selects the test's key, but leave no opt-in label behind either.
      for (String ns : created) {
        admin
            .namespaces()
            .withName(ns)
            .edit(
                n -> {
                  n.getMetadata().getLabels().keySet().removeIf(k -> k.startsWith("regcred.io/"));
                  n.getMetadata().getLabels().remove("pull-from/ecr-prod");
                  return n;
                });
      }
      admin.rbac().clusterRoleBindings().withName(EDITOR).delete();
      admin.rbac().clusterRoles().withName(EDITOR).delete();
      admin.close();
    }
    if (controllers != null) {
      controllers.close();
    }
  }

  @Test
  void kustomizePolicyStopsTenantsAndLetsTheLabellersYouBindThrough() throws Exception {
    List<HasMetadata> policy =
        install(ManifestsIT.run(kubectl("kustomize", "config/admission"), null));
    try {
      tenantCannotTouch(OPT_IN);

      // As README says: bind the labeller ClusterRole to the platform team.
      var binding =
          new ClusterRoleBindingBuilder()
              .withNewMetadata()
              .withName("platform-namespace-labellers")
              .endMetadata()
              .withNewRoleRef(
                  "rbac.authorization.k8s.io", "ClusterRole", "regcred-operator-namespace-labeller")
              .addNewSubject()
              .withKind("Group")
              .withApiGroup("rbac.authorization.k8s.io")
              .withName(PLATFORM_GROUP)
              .endSubject()
              .build();
      policy.add(admin.resource(binding).serverSideApply());
      labellerMay(as("pat", PLATFORM_GROUP), OPT_IN);

      // One key only: RBAC resourceNames name the label keys.
      var quay =
          new ClusterRoleBuilder()
              .withNewMetadata()
              .withName("quay-namespace-labeller")
              .endMetadata()
              .addNewRule()
              .withApiGroups("regcred.io")
              .withResources("namespacelabels")
              .withResourceNames("regcred.io/quay")
              .withVerbs("set")
              .endRule()
              .build();
      policy.add(admin.resource(quay).serverSideApply());
      policy.add(
          admin
              .resource(
                  new ClusterRoleBindingBuilder()
                      .withNewMetadata()
                      .withName("quay-namespace-labeller")
                      .endMetadata()
                      .withNewRoleRef(
                          "rbac.authorization.k8s.io", "ClusterRole", "quay-namespace-labeller")
                      .addNewSubject()
                      .withKind("User")
                      .withApiGroup("rbac.authorization.k8s.io")
                      .withName("quentin")
                      .endSubject()
                      .build())
              .serverSideApply());
      try (KubernetesClient quentin = as("quentin")) {
        String ns = newNamespace(admin, Map.of());
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThatCode(() -> label(quentin, ns, "regcred.io/quay", "true"))
                        .doesNotThrowAnyException());
        assertRefused(() -> label(quentin, ns, OPT_IN, "true"), OPT_IN);
      }
    } finally {
      uninstall(policy);
    }
  }

  @Test
  void helmChartPolicyHasTheConfiguredKeysAndLabellers() throws Exception {
    String rendered =
        ManifestsIT.renderChart(
            Map.of(
                "namespaceLabelPolicy.keys[0]", "pull-from/ecr-prod",
                "namespaceLabelPolicy.labellers.groups[0]", PLATFORM_GROUP,
                "namespaceLabelPolicy.labellers.users[0]", "alice",
                "namespaceLabelPolicy.labellers.serviceAccounts[0].namespace", "argocd",
                "namespaceLabelPolicy.labellers.serviceAccounts[0].name",
                    "argocd-application-controller"));
    StringBuilder admission = new StringBuilder();
    for (HasMetadata o : load(rendered)) {
      boolean policy =
          o.getKind().startsWith("ValidatingAdmissionPolicy")
              || o.getMetadata().getName().endsWith("-namespace-labeller");
      if (policy) {
        admission.append("---\n").append(Serialization.asYaml(o));
      }
    }
    List<HasMetadata> policy = install(admission.toString());
    assertThat(policy)
        .extracting(HasMetadata::getKind)
        .containsExactlyInAnyOrder(
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
            "ClusterRole",
            "ClusterRoleBinding");
    try {
      tenantCannotTouch(OPT_IN);
      tenantCannotTouch("pull-from/ecr-prod");
      labellerMay(as("pat", PLATFORM_GROUP), OPT_IN);
      labellerMay(as("alice"), "pull-from/ecr-prod");
      labellerMay(as(ARGOCD, "system:serviceaccounts", "system:serviceaccounts:argocd"), OPT_IN);
    } finally {
      uninstall(policy);
    }
  }

  @Test
  void helmChartCanLeaveThePolicyOut() throws Exception {
    String rendered = ManifestsIT.renderChart(Map.of("namespaceLabelPolicy.enabled", false));
    assertThat(load(rendered))
        .extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
        .noneMatch(k -> k.contains("ValidatingAdmissionPolicy") || k.contains("labeller"));
  }

  // --- what a tenant and a labeller can do --------------------------------------------------

  /** A tenant who may create and edit namespaces cannot opt one in, nor out; other labels: yes. */
  static void tenantCannotTouch(String key) throws Exception {
    try (KubernetesClient tenant = as(TENANT)) {
      // Create, pre-labelled: refused; unlabelled: fine.
      assertRefused(
          () ->
              tenant
                  .resource(namespaceObject("nlp-" + names.incrementAndGet(), Map.of(key, "true")))
                  .create(),
          key);
      String ns = newNamespace(tenant, Map.of("team", "a"));

      // Add it, through the namespace and through its subresources: refused.
      assertRefused(() -> label(tenant, ns, key, "true"), key);
      assertRefused(
          () -> tenant.resource(withLabel(tenant, ns, key, "true")).subresource("status").update(),
          key);
      assertRefused(
          () ->
              tenant.resource(withLabel(tenant, ns, key, "true")).subresource("finalize").update(),
          key);
      assertThat(labels(ns)).doesNotContainKey(key);

      // An admin opted it in: the tenant can neither change nor remove the label...
      label(admin, ns, key, "true");
      assertRefused(() -> label(tenant, ns, key, "false"), key);
      assertRefused(() -> label(tenant, ns, key, null), key);
      // ... but still edit other labels of the namespace.
      label(tenant, ns, "team", "b");
      assertThat(labels(ns)).containsEntry(key, "true").containsEntry("team", "b");
      // A key that only looks alike is not an opt-in label.
      label(tenant, ns, "x." + key.replace("/", "-") + "/y", "z");
    }
  }

  /** Someone the installation named may create, change and remove the label. */
  static void labellerMay(KubernetesClient labeller, String key) throws Exception {
    try (labeller) {
      // A new binding reaches the authorizer through an informer: give it a moment.
      String[] ns = new String[1];
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThatCode(() -> ns[0] = newNamespace(labeller, Map.of(key, "true")))
                      .doesNotThrowAnyException());
      label(labeller, ns[0], key, "false");
      assertThat(labels(ns[0])).containsEntry(key, "false");
      label(labeller, ns[0], key, null);
      assertThat(labels(ns[0])).doesNotContainKey(key);
    }
  }

  static void assertRefused(ThrowingCallable call, String key) {
    assertThatThrownBy(call)
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(403))
        .hasMessageContaining(": labels " + key + " opt it in to registry credentials")
        .hasMessageContaining("needs verb set on namespacelabels.regcred.io for each key");
  }

  // --- installing the policy ----------------------------------------------------------------

  /**
   * Applies the objects, waits until the policy's CEL has been type-checked against the Namespace
   * schema without a warning, and until the API server enforces it.
   */
  static List<HasMetadata> install(String yaml) {
    List<HasMetadata> applied = new ArrayList<>();
    for (HasMetadata o : load(yaml)) {
      applied.add(admin.resource(o).forceConflicts().serverSideApply());
    }
    for (HasMetadata o : applied) {
      if (o instanceof ValidatingAdmissionPolicy policy) {
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () -> {
                  assertThat(controllers.alive()).as("see %s", controllers.log()).isTrue();
                  var status =
                      admin
                          .admissionRegistration()
                          .v1()
                          .validatingAdmissionPolicies()
                          .withName(policy.getMetadata().getName())
                          .get()
                          .getStatus();
                  assertThat(status).isNotNull();
                  assertThat(status.getObservedGeneration())
                      .isEqualTo(policy.getMetadata().getGeneration());
                  assertThat(status.getTypeChecking()).isNotNull();
                  assertThat(status.getTypeChecking().getExpressionWarnings())
                      .as("type-checking warnings")
                      .isNullOrEmpty();
                });
      }
    }
    // Policies reach the admission plugin through an informer.
    try (KubernetesClient tenant = as(TENANT)) {
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertRefused(
                      () ->
                          tenant
                              .resource(namespaceObject("nlp-probe", Map.of(OPT_IN, "true")))
                              .dryRun()
                              .create(),
                      OPT_IN));
    }
    return applied;
  }

  static void uninstall(List<HasMetadata> objects) {
    for (HasMetadata o : objects) {
      admin.resource(o).delete();
    }
    // Gone from the admission plugin too, before the next test installs its own.
    try (KubernetesClient tenant = as(TENANT)) {
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThatCode(
                          () ->
                              tenant
                                  .resource(namespaceObject("nlp-probe", Map.of(OPT_IN, "true")))
                                  .dryRun()
                                  .create())
                      .doesNotThrowAnyException());
    }
  }

  // --- helpers ------------------------------------------------------------------------------

  static KubernetesClient as(String user, String... groups) {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder(TestCluster.adminConfig())
                .withImpersonateUsername(user)
                .withImpersonateGroups(groups)
                .build())
        .build();
  }

  static Namespace namespaceObject(String name, Map<String, String> labels) {
    return new NamespaceBuilder()
        .withNewMetadata()
        .withName(name)
        .withLabels(labels)
        .endMetadata()
        .build();
  }

  static String newNamespace(KubernetesClient client, Map<String, String> labels) {
    String name = "nlp-" + names.incrementAndGet();
    client.resource(namespaceObject(name, labels)).create();
    created.add(name);
    return name;
  }

  /** Sets (or, with a null value, removes) one label with a patch, as kubectl label does. */
  static void label(KubernetesClient client, String ns, String key, String value) {
    client.namespaces().withName(ns).edit(withLabelChange(key, value));
  }

  static UnaryOperator<Namespace> withLabelChange(String key, String value) {
    return n -> {
      Map<String, String> labels = new HashMap<>(n.getMetadata().getLabels());
      if (value == null) {
        labels.remove(key);
      } else {
        labels.put(key, value);
      }
      n.getMetadata().setLabels(labels);
      return n;
    };
  }

  /** The namespace as the client reads it, with one more label, for a PUT. */
  static Namespace withLabel(KubernetesClient client, String ns, String key, String value) {
    return withLabelChange(key, value).apply(client.namespaces().withName(ns).get());
  }

  static Map<String, String> labels(String ns) {
    return admin.namespaces().withName(ns).get().getMetadata().getLabels();
  }

  static List<HasMetadata> load(String yaml) {
    return new ArrayList<>(
        admin.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items());
  }

  static List<String> kubectl(String... args) {
    List<String> command = new ArrayList<>(List.of("kubectl"));
    command.addAll(List.of(args));
    return command;
  }
}
