package io.regcred.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.LocalSource;
import io.regcred.api.v1alpha1.RegistryCredential;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart (charts/regcred-operator) and the kustomize trees (config/default,
 * config/prometheus) describe the same operator, and everything they render is accepted by a real
 * API server: every object goes through {@code kubectl apply --server-side --dry-run=server}
 * (strict field validation, admission, CRD schemas) against the test cluster.
 *
 * <p>{@code helm template} (and helm-java's template command) leaves out the chart's crds/
 * directory, which Helm installs on its own; the tests add those files to the chart's objects, as
 * {@code helm template --include-crds} would.
 */
class ManifestsIT {

  static final Path CHART = Path.of("charts/regcred-operator");
  static final Path CRD = Path.of("crds/clusterregistrycredentials.regcred.io-v1.yml");

  static final Path NAMESPACED_CRD = Path.of("crds/registrycredentials.regcred.io-v1.yml");
  static final String RELEASE = "regcred-operator";
  static final String CHART_NS = "regcred-chart";
  static final String KUSTOMIZE_NS = "regcred-system";

  /** A team's namespace, into which the namespaced samples are applied. */
  static final String SAMPLES_NS = "regcred-samples-team";

  static final Set<String> CORE_KINDS =
      Set.of(
          "CustomResourceDefinition",
          "ServiceAccount",
          "ClusterRole",
          "ClusterRoleBinding",
          "Role",
          "RoleBinding",
          "Deployment",
          "ValidatingAdmissionPolicy",
          "ValidatingAdmissionPolicyBinding");

  static KubernetesClient client;
  static Path kubeconfig;

  @BeforeAll
  static void cluster() throws IOException {
    client = TestCluster.newAdminClient();
    kubeconfig = TestCluster.kubeconfigFile();
    installMonitoringCrds();
    // Dry-runs of namespaced objects need their namespace to exist for real.
    Fixtures.namespace(client, CHART_NS, Map.of());
    Fixtures.namespace(client, KUSTOMIZE_NS, Map.of());
    Fixtures.namespace(client, SAMPLES_NS, Map.of());
  }

  @AfterAll
  static void close() {
    if (client != null) {
      Fixtures.removeNamespace(client, SAMPLES_NS);
      client.close();
    }
  }

  @Test
  void chartCrdIsTheGeneratedCrd() throws IOException {
    try (Stream<Path> files = Files.list(CHART.resolve("crds"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(
              CRD.getFileName().toString(), NAMESPACED_CRD.getFileName().toString());
    }
    for (Path crd : List.of(CRD, NAMESPACED_CRD)) {
      assertThat(Files.mismatch(crd, CHART.resolve("crds").resolve(crd.getFileName())))
          .as(
              "charts/regcred-operator/crds/ must be a copy of "
                  + crd
                  + ": cp "
                  + crd
                  + " "
                  + CHART.resolve("crds"))
          .isEqualTo(-1L);
    }
  }

  @Test
  void chartLints() {
    LintResult lint = new Helm(CHART).lint().strict().call();
    assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
  }

  @Test
  void chartDefaultsMatchConfigDefaultAndTheServerAcceptsBoth() throws Exception {
    String chartYaml = renderChart(Map.of());
    String kustomizeYaml = run(List.of("kubectl", "kustomize", "config/default"), null);

    dryRunApply(chartYaml);
    dryRunApply(kustomizeYaml);

    List<HasMetadata> chart = load(chartYaml);
    List<HasMetadata> kustomize = load(kustomizeYaml);
    assertThat(kindsAndNames(chart, CORE_KINDS)).isEqualTo(kindsAndNames(kustomize, CORE_KINDS));
    assertThat(kindsAndNames(chart, Set.of("ServiceMonitor", "PrometheusRule"))).isEmpty();

    // The operator's ClusterRole, the namespace labeller's that the admission policy names, and
    // those aggregated to the built-in admin, edit and view roles (by the same labels).
    assertThat(clusterRoles(chart))
        .isEqualTo(clusterRoles(kustomize))
        .containsOnlyKeys(
            "regcred-operator",
            "regcred-operator-namespace-labeller",
            "regcred-operator-edit",
            "regcred-operator-view");
    assertThat(aggregationLabels(chart))
        .isEqualTo(aggregationLabels(kustomize))
        .containsOnlyKeys("regcred-operator-edit", "regcred-operator-view");
    // The same admission policy: kustomize's defaults are the chart's default values.
    assertThat(one(chart, ValidatingAdmissionPolicy.class).getSpec())
        .isEqualTo(one(kustomize, ValidatingAdmissionPolicy.class).getSpec());
    assertThat(one(chart, ValidatingAdmissionPolicyBinding.class).getSpec())
        .isEqualTo(one(kustomize, ValidatingAdmissionPolicyBinding.class).getSpec());
    // The same Role with the same rules: the Lease's, in the operator's namespace only (Events
    // are written under the ClusterRole, in every namespace).
    assertThat(roles(chart))
        .isEqualTo(
            roles(kustomize).entrySet().stream()
                .collect(
                    Collectors.toMap(
                        e -> e.getKey().replace(KUSTOMIZE_NS + "/", CHART_NS + "/"),
                        Map.Entry::getValue)))
        .containsOnlyKeys("Role/" + CHART_NS + "/regcred-operator");
    assertThat(bindings(chart))
        .isEqualTo(
            bindings(kustomize).entrySet().stream()
                .collect(
                    Collectors.toMap(
                        e -> e.getKey().replace(KUSTOMIZE_NS + "/", CHART_NS + "/"),
                        e -> e.getValue().replace(KUSTOMIZE_NS, CHART_NS))));
    // No labeller is bound unless the values name one.
    assertThat(one(chart, ClusterRoleBinding.class).getSubjects())
        .singleElement()
        .satisfies(s -> assertThat(s.getNamespace()).isEqualTo(CHART_NS));
    assertThat(crds(chart))
        .isEqualTo(crds(kustomize))
        .containsOnlyKeys(
            "clusterregistrycredentials.regcred.io", "registrycredentials.regcred.io");

    Deployment chartDeployment = one(chart, Deployment.class);
    Deployment kustomizeDeployment = one(kustomize, Deployment.class);
    assertThat(chartDeployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(chartDeployment.getSpec().getTemplate().getSpec().getSecurityContext())
        .isEqualTo(kustomizeDeployment.getSpec().getTemplate().getSpec().getSecurityContext());
    assertThat(chartDeployment.getSpec().getTemplate().getSpec().getVolumes())
        .isEqualTo(kustomizeDeployment.getSpec().getTemplate().getSpec().getVolumes());
    assertThat(chartDeployment.getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo(kustomizeDeployment.getSpec().getTemplate().getSpec().getServiceAccountName());
    Container chartContainer = container(chartDeployment);
    Container kustomizeContainer = container(kustomizeDeployment);
    assertThat(chartContainer)
        .usingRecursiveComparison()
        .comparingOnlyFields(
            "name",
            "image",
            "imagePullPolicy",
            "ports",
            "startupProbe",
            "livenessProbe",
            "readinessProbe",
            "resources",
            "securityContext",
            "volumeMounts")
        .isEqualTo(kustomizeContainer);
    // Every variable of config/manager, with the same value; the chart adds its settings.
    Map<String, EnvVar> chartEnv = env(chartContainer);
    env(kustomizeContainer).forEach((name, var) -> assertThat(chartEnv).containsEntry(name, var));
    assertThat(chartEnv.get("REGCRED_NAMESPACE").getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.namespace");
    assertThat(chartEnv.get("REGCRED_SOURCE_NAMESPACE").getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.namespace");
    assertThat(chartEnv.get("REGCRED_LOG_FORMAT").getValue()).isEqualTo("json");
    assertThat(chartEnv.get("REGCRED_LEADER_ELECTION").getValue()).isEqualTo("true");

    Service metrics = one(chart, Service.class);
    assertThat(metrics.getSpec().getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getName()).isEqualTo("http-metrics");
              assertThat(p.getPort()).isEqualTo(8080);
              assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
            });
    assertThat(chartDeployment.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(metrics.getSpec().getSelector());
  }

  @Test
  void chartMonitoringMatchesConfigPrometheusAndTheServerAcceptsBoth() throws Exception {
    String chartYaml =
        renderChart(
            Map.of(
                "serviceMonitor.enabled", true,
                "serviceMonitor.labels.release", "kube-prometheus-stack",
                "prometheusRule.enabled", true,
                "sourceNamespace", "regcred-sources",
                "logFormat", "text"));
    String kustomizeYaml = run(List.of("kubectl", "kustomize", "config/prometheus"), null);

    dryRunApply(chartYaml);
    dryRunApply(kustomizeYaml);

    List<HasMetadata> chart = load(chartYaml);
    List<HasMetadata> kustomize = load(kustomizeYaml);
    Set<String> monitoring = Set.of("Service", "ServiceMonitor", "PrometheusRule");
    assertThat(kindsAndNames(chart, monitoring))
        .isEqualTo(kindsAndNames(kustomize, monitoring))
        .containsExactly(
            "PrometheusRule/regcred-operator",
            "Service/regcred-operator-metrics",
            "ServiceMonitor/regcred-operator");

    Map<?, ?> chartRule = spec(generic(chart, "PrometheusRule"));
    assertThat(chartRule).isEqualTo(spec(generic(kustomize, "PrometheusRule")));
    assertThat(alertNames(chartRule))
        .containsExactly(
            "RegcredTokenExpiringSoon",
            "RegcredTokenExpired",
            "RegcredSyncFailures",
            "RegcredProviderFailing",
            "RegcredOperatorDown");

    GenericKubernetesResource serviceMonitor = generic(chart, "ServiceMonitor");
    assertThat(serviceMonitor.getMetadata().getLabels())
        .containsEntry("release", "kube-prometheus-stack");
    assertThat(spec(serviceMonitor).get("endpoints"))
        .isEqualTo(spec(generic(kustomize, "ServiceMonitor")).get("endpoints"));
    @SuppressWarnings("unchecked")
    Map<String, String> monitored =
        (Map<String, String>) ((Map<?, ?>) spec(serviceMonitor).get("selector")).get("matchLabels");
    assertThat(one(chart, Service.class).getMetadata().getLabels()).containsAllEntriesOf(monitored);

    Map<String, EnvVar> chartEnv = env(container(one(chart, Deployment.class)));
    assertThat(chartEnv.get("REGCRED_SOURCE_NAMESPACE").getValue()).isEqualTo("regcred-sources");
    assertThat(chartEnv.get("REGCRED_LOG_FORMAT").getValue()).isEqualTo("text");
  }

  /**
   * The samples select namespaces only by opt-in labels (keys under regcred.io/), which the shipped
   * admission policy keeps out of the namespace owners' hands; a sample selecting by any other
   * label would teach a selector every tenant can join.
   */
  @Test
  void samplesSelectNamespacesOnlyByOptInLabels() throws Exception {
    String samples = run(List.of("kubectl", "kustomize", "config/samples"), null);
    List<ClusterRegistryCredential> credentials =
        load(samples).stream()
            .filter(o -> o.getKind().equals("ClusterRegistryCredential"))
            .map(
                o ->
                    Serialization.unmarshal(
                        Serialization.asJson(o), ClusterRegistryCredential.class))
            .toList();
    assertThat(credentials).hasSize(4);
    for (ClusterRegistryCredential c : credentials) {
      var selector = c.getSpec().getTarget().getNamespaces().getSelector();
      assertThat(selector).as(c.getMetadata().getName()).isNotNull();
      List<String> keys = new ArrayList<>();
      if (selector.getMatchLabels() != null) {
        keys.addAll(selector.getMatchLabels().keySet());
      }
      if (selector.getMatchExpressions() != null) {
        selector.getMatchExpressions().forEach(e -> keys.add(e.getKey()));
      }
      assertThat(keys)
          .as(c.getMetadata().getName())
          .isNotEmpty()
          .allMatch(k -> k.startsWith("regcred.io/"));
    }
  }

  /**
   * Every sample is accepted by the API server as written (schema, CEL rules, strict field
   * validation), the namespaced ones in a team's namespace, where kubectl's {@code -n} puts them;
   * and each namespaced credential uses only what its own file brings into that namespace: a Secret
   * of the namespace, or a ServiceAccount of the namespace and nothing of the operator's.
   */
  @Test
  void samplesAreAcceptedByTheApiServer() throws Exception {
    List<HasMetadata> samples = load(run(List.of("kubectl", "kustomize", "config/samples"), null));
    List<HasMetadata> team =
        samples.stream()
            .filter(o -> o.getMetadata().getNamespace() == null)
            .filter(o -> !o.getKind().equals("ClusterRegistryCredential"))
            .toList();
    team.forEach(o -> o.getMetadata().setNamespace(SAMPLES_NS));
    dryRunApply(
        samples.stream()
            .map(o -> Serialization.asYaml(o).replaceFirst("^---\\n", ""))
            .collect(Collectors.joining("---\n", "---\n", "")));

    assertThat(kindsAndNames(team, Set.of("RegistryCredential", "Secret", "ServiceAccount")))
        .hasSize(team.size())
        .containsExactly(
            "RegistryCredential/team-acr",
            "RegistryCredential/team-ecr",
            "RegistryCredential/team-gar",
            "RegistryCredential/team-quay",
            "Secret/team-quay-robot",
            "ServiceAccount/acr-puller",
            "ServiceAccount/ecr-puller",
            "ServiceAccount/gar-puller");
    Map<String, RegistryCredential> credentials =
        team.stream()
            .filter(o -> o.getKind().equals("RegistryCredential"))
            .map(o -> Serialization.unmarshal(Serialization.asJson(o), RegistryCredential.class))
            .collect(Collectors.toMap(c -> c.getSpec().getSource().kind(), c -> c));
    assertThat(credentials).containsOnlyKeys("static", "ecr", "acr", "gar");
    LocalSource staticSource = credentials.get("static").getSpec().getSource();
    assertThat(kindsAndNames(team, Set.of("Secret")))
        .containsExactly("Secret/" + staticSource.getStaticSource().getSecretRef().getName());
    LocalSource ecr = credentials.get("ecr").getSpec().getSource();
    LocalSource acr = credentials.get("acr").getSpec().getSource();
    LocalSource gar = credentials.get("gar").getSpec().getSource();
    assertThat(
            List.of(
                ecr.getEcr().getServiceAccountName(),
                acr.getAcr().getServiceAccountName(),
                gar.getGar().getServiceAccountName()))
        .map(name -> "ServiceAccount/" + name)
        .containsExactlyInAnyOrderElementsOf(kindsAndNames(team, Set.of("ServiceAccount")));
  }

  /**
   * A namespaced credential has no field that could name another namespace. kubectl's default,
   * strict field validation refuses one; without it, the API server drops the field (the CRD's
   * structural schema prunes what it does not declare), so what is stored can still reach only its
   * own namespace.
   */
  @Test
  void aNamespaceInsideANamespacedCredentialIsRefusedOrDropped() throws Exception {
    String reachingOut =
        String.join(
            "\n",
            "apiVersion: regcred.io/v1alpha1",
            "kind: RegistryCredential",
            "metadata: {name: reach-out, namespace: " + SAMPLES_NS + "}",
            "spec:",
            "  source:",
            "    static:",
            "      secretRef: {name: quay-robot, namespace: " + KUSTOMIZE_NS + "}",
            "  target:",
            "    secretName: borrowed",
            "    namespaces: {names: [kube-system]}",
            "");
    Result strict = kubectlCreateDryRun(reachingOut, "--validate=strict", true);
    assertThat(strict.exitCode()).as(strict.output()).isNotZero();
    assertThat(strict.output())
        .contains(
            "unknown field \"spec.source.static.secretRef.namespace\"",
            "unknown field \"spec.target.namespaces\"");

    Result ignored = kubectlCreateDryRun(reachingOut, "--validate=false", false);
    assertThat(ignored.exitCode()).as(ignored.output()).isZero();
    JsonNode stored = new ObjectMapper().readTree(ignored.output());
    assertThat(stored.at("/spec/source/static/secretRef"))
        .isEqualTo(new ObjectMapper().readTree("{\"name\": \"quay-robot\"}"));
    assertThat(stored.at("/spec/target"))
        .isEqualTo(new ObjectMapper().readTree("{\"secretName\": \"borrowed\"}"));
  }

  @Test
  void grafanaDashboardIsValidAndCoversTheMetrics() throws IOException {
    JsonNode dashboard =
        new ObjectMapper().readTree(Path.of("config/prometheus/grafana-dashboard.json").toFile());
    assertThat(dashboard.path("uid").asText()).isEqualTo("regcred-operator");
    List<String> expressions =
        dashboard.findValues("expr").stream().map(JsonNode::asText).collect(Collectors.toList());
    for (String metric :
        List.of(
            "regcred_token_expiry_seconds",
            "regcred_namespaces",
            "regcred_provider_calls_total",
            "regcred_writes_total",
            "operator_sdk_reconciliations_started_total")) {
      assertThat(expressions).as(metric).anyMatch(e -> e.contains(metric));
    }
    List<String> titles =
        dashboard.findValues("title").stream().map(JsonNode::asText).collect(Collectors.toList());
    assertThat(titles)
        .contains(
            "Token expiry per credential",
            "Target namespaces by state",
            "Provider calls by result",
            "Writes by result",
            "Reconcile rate");
  }

  /** Without the aggregated roles the chart renders the rest unchanged. */
  @Test
  void chartLeavesOutTheAggregatedRolesWhenAsked() throws Exception {
    List<HasMetadata> with = load(renderChart(Map.of()));
    String withoutYaml = renderChart(Map.of("rbac.aggregateToDefaultRoles", false));
    dryRunApply(withoutYaml);
    List<HasMetadata> without = load(withoutYaml);
    Set<String> all = Set.of("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding");
    Set<String> left = new TreeSet<>(kindsAndNames(with, all));
    left.removeAll(kindsAndNames(without, all));
    assertThat(left)
        .containsExactly("ClusterRole/regcred-operator-edit", "ClusterRole/regcred-operator-view");
    assertThat(aggregationLabels(without)).isEmpty();
    assertThatThrownBy(() -> renderChart(Map.of("rbac.aggregateToDefaultRoles", "yes")))
        .hasMessageContaining("aggregateToDefaultRoles");
  }

  /** The checks can fail: bad values are refused by the chart's schema or by the API server. */
  @Test
  void invalidValuesAreRejected() throws Exception {
    // values.schema.json
    assertThatThrownBy(() -> renderChart(Map.of("logFormat", "xml")))
        .hasMessageContaining("logFormat");
    assertThatThrownBy(() -> renderChart(Map.of("writeConcurrency", 0)))
        .hasMessageContaining("writeConcurrency");
    // The template's own guard: standbys without a Lease would all write.
    assertThatThrownBy(() -> renderChart(Map.of("leaderElection", false)))
        .hasMessageContaining("leaderElection");
    assertThat(renderChart(Map.of("leaderElection", false, "replicaCount", 1)))
        .contains("replicas: 1");

    // Rendered fine, refused by the API server's validation.
    String negativeReplicas = renderChart(Map.of("replicaCount", -1));
    assertThat(negativeReplicas).contains("replicas: -1");
    assertThat(dryRunApplyStatus(negativeReplicas))
        .satisfies(r -> assertThat(r.exitCode()).isNotZero())
        .satisfies(r -> assertThat(r.output()).contains("spec.replicas", "-1"));

    // Rendered fine, refused because the field does not exist (server-side apply builds a typed
    // object: a misspelt field is an error, not silently dropped).
    String unknownField =
        renderChart(Map.of("extraEnv[0].name", "AWS_REGION", "extraEnv[0].vaule", "eu-west-1"));
    assertThat(dryRunApplyStatus(unknownField))
        .satisfies(r -> assertThat(r.exitCode()).isNotZero())
        .satisfies(r -> assertThat(r.output()).contains("vaule", "not declared in schema"));
  }

  // --- rendering -----------------------------------------------------------------------------

  /** helm template with the given --set values, plus the chart's crds/ (--include-crds). */
  static String renderChart(Map<String, Object> values) throws IOException {
    TemplateCommand template = new Helm(CHART).template().withName(RELEASE).withNamespace(CHART_NS);
    for (Map.Entry<String, Object> value : values.entrySet()) {
      template = template.set(value.getKey(), value.getValue());
    }
    String rendered = template.call();
    StringBuilder all = new StringBuilder();
    try (Stream<Path> crds = Files.list(CHART.resolve("crds"))) {
      for (Path crd : crds.sorted().toList()) {
        all.append("---\n").append(Files.readString(crd)).append('\n');
      }
    }
    return all.append("---\n").append(rendered).toString();
  }

  static List<HasMetadata> load(String yaml) {
    return client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
  }

  static Set<String> kindsAndNames(List<HasMetadata> objects, Set<String> kinds) {
    return objects.stream()
        .filter(o -> kinds.contains(o.getKind()))
        .map(o -> o.getKind() + "/" + o.getMetadata().getName())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
    List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
    assertThat(found).as(type.getSimpleName()).hasSize(1);
    return found.get(0);
  }

  /** CRD name to its spec. */
  static Map<String, Object> crds(List<HasMetadata> objects) {
    return objects.stream()
        .filter(CustomResourceDefinition.class::isInstance)
        .map(CustomResourceDefinition.class::cast)
        .collect(Collectors.toMap(c -> c.getMetadata().getName(), c -> c.getSpec()));
  }

  /** ClusterRole name to its rules. */
  static Map<String, List<PolicyRule>> clusterRoles(List<HasMetadata> objects) {
    return objects.stream()
        .filter(ClusterRole.class::isInstance)
        .map(ClusterRole.class::cast)
        .collect(Collectors.toMap(r -> r.getMetadata().getName(), ClusterRole::getRules));
  }

  /** ClusterRole name to its rbac.authorization.k8s.io/aggregate-to-* labels, where it has any. */
  static Map<String, Map<String, String>> aggregationLabels(List<HasMetadata> objects) {
    return objects.stream()
        .filter(ClusterRole.class::isInstance)
        .collect(
            Collectors.toMap(
                r -> r.getMetadata().getName(),
                r ->
                    r.getMetadata().getLabels().entrySet().stream()
                        .filter(
                            l -> l.getKey().startsWith("rbac.authorization.k8s.io/aggregate-to-"))
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue))))
        .entrySet()
        .stream()
        .filter(e -> !e.getValue().isEmpty())
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
  }

  /** Role/namespace/name to its rules. */
  static Map<String, List<PolicyRule>> roles(List<HasMetadata> objects) {
    return objects.stream()
        .filter(Role.class::isInstance)
        .map(Role.class::cast)
        .collect(
            Collectors.toMap(
                r -> "Role/" + r.getMetadata().getNamespace() + "/" + r.getMetadata().getName(),
                Role::getRules));
  }

  /** RoleBinding/namespace/name to "role -> subject namespace/name". */
  static Map<String, String> bindings(List<HasMetadata> objects) {
    return objects.stream()
        .filter(RoleBinding.class::isInstance)
        .map(RoleBinding.class::cast)
        .collect(
            Collectors.toMap(
                b ->
                    "RoleBinding/"
                        + b.getMetadata().getNamespace()
                        + "/"
                        + b.getMetadata().getName(),
                b ->
                    b.getRoleRef().getName()
                        + " -> "
                        + b.getSubjects().stream()
                            .map(s -> s.getKind() + " " + s.getNamespace() + "/" + s.getName())
                            .collect(Collectors.joining(", "))));
  }

  static GenericKubernetesResource generic(List<HasMetadata> objects, String kind) {
    List<GenericKubernetesResource> found =
        objects.stream()
            .filter(o -> kind.equals(o.getKind()))
            .map(GenericKubernetesResource.class::cast)
            .toList();
    assertThat(found).as(kind).hasSize(1);
    return found.get(0);
  }

  static Map<?, ?> spec(GenericKubernetesResource resource) {
    return (Map<?, ?>) resource.getAdditionalProperties().get("spec");
  }

  static List<String> alertNames(Map<?, ?> ruleSpec) {
    List<String> names = new ArrayList<>();
    for (Object group : (List<?>) ruleSpec.get("groups")) {
      for (Object rule : (List<?>) ((Map<?, ?>) group).get("rules")) {
        names.add(String.valueOf(((Map<?, ?>) rule).get("alert")));
      }
    }
    return names;
  }

  static Container container(Deployment deployment) {
    List<Container> containers = deployment.getSpec().getTemplate().getSpec().getContainers();
    assertThat(containers).hasSize(1);
    return containers.get(0);
  }

  static Map<String, EnvVar> env(Container container) {
    Map<String, EnvVar> env = new LinkedHashMap<>();
    container.getEnv().forEach(e -> assertThat(env.put(e.getName(), e)).as(e.getName()).isNull());
    return env;
  }

  // --- the API server ------------------------------------------------------------------------

  record Result(int exitCode, String output) {}

  /** Every object must be accepted; kubectl reports each one it sent. */
  static void dryRunApply(String yaml) throws Exception {
    Result result = dryRunApplyStatus(yaml);
    assertThat(result.exitCode()).as(result.output()).isZero();
    long objects = load(yaml).size();
    assertThat(result.output().lines().filter(l -> l.endsWith("(server dry run)")).count())
        .as(result.output())
        .isEqualTo(objects);
  }

  /** kubectl validates strictly (unknown fields are errors) and continues past a refused object. */
  static Result dryRunApplyStatus(String yaml) throws Exception {
    return exec(
        List.of(
            "kubectl",
            "--kubeconfig",
            kubeconfig.toString(),
            "apply",
            "--server-side",
            "--force-conflicts",
            "--field-manager=manifests-it",
            "--dry-run=server",
            "-f",
            "-"),
        yaml,
        true);
  }

  /** {@code kubectl create --dry-run=server -o json}: what the API server would store. */
  static Result kubectlCreateDryRun(String yaml, String validate, boolean withStderr)
      throws Exception {
    return exec(
        List.of(
            "kubectl",
            "--kubeconfig",
            kubeconfig.toString(),
            "create",
            "--dry-run=server",
            validate,
            "-o",
            "json",
            "-f",
            "-"),
        yaml,
        withStderr);
  }

  static void installMonitoringCrds() throws IOException {
    try (InputStream in = ManifestsIT.class.getResourceAsStream("/monitoring-coreos-crds.yaml")) {
      assertThat(in).as("monitoring-coreos-crds.yaml on the test classpath").isNotNull();
      TestCluster.applyCrds(client, in);
    }
  }

  /** Standard output only (kubectl kustomize may warn on standard error). */
  static String run(List<String> command, String stdin) throws Exception {
    Result result = exec(command, stdin, false);
    assertThat(result.exitCode()).as(String.join(" ", command) + "\n" + result.output()).isZero();
    return result.output();
  }

  static Result exec(List<String> command, String stdin, boolean withStderr) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command);
    if (withStderr) {
      builder.redirectErrorStream(true);
    } else {
      builder.redirectError(ProcessBuilder.Redirect.INHERIT);
    }
    Process p = builder.start();
    try (OutputStream in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
    return new Result(p.exitValue(), out);
  }
}
