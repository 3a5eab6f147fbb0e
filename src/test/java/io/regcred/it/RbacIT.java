package io.regcred.it;

import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.namespace;
import static io.regcred.it.Fixtures.serviceAccount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.regcred.Annotations;
import io.regcred.Labels;
import io.regcred.OperatorMain;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.api.v1alpha1.RegistryCredentialStatus.PullFailure;
import io.regcred.api.v1alpha1.RegistryCredentialStatus.SyncFailure;
import io.regcred.config.OperatorConfig;
import io.regcred.model.TenantIdentity;
import io.regcred.provider.ServiceAccountTrust;
import io.regcred.provider.SourceSecrets;
import io.regcred.provider.TestTls;
import io.regcred.provider.TokenProvider;
import io.regcred.provider.ecr.AwsIdentityEnv;
import io.regcred.provider.ecr.EcrTokenProvider;
import io.regcred.provider.ecr.FakeAws;
import io.regcred.provider.staticsecret.StaticSecretProvider;
import io.regcred.reconciler.EventRecorder;
import io.regcred.testing.Credentials;
import io.regcred.testing.NamespacedCredentials;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's RBAC (config/rbac), proven verb by verb on a real API server. The operator runs
 * in-process impersonating its ServiceAccount, with leader election on, through one short scenario
 * that does everything it ever does: finalizer, Secrets and ServiceAccounts in target namespaces, a
 * foreign Secret (Conflict), status, Events (new and repeated), the Lease, a rotation, a prune and
 * the clean-up on delete; and for two namespaced RegistryCredentials (one reading a Secret of its
 * namespace, one exchanging its namespace's ServiceAccount token at a fake STS) the same in their
 * own namespace, with their Events there.
 *
 * <ul>
 *   <li>With the shipped RBAC the scenario passes, no request is refused, and every granted verb is
 *       used by a request the operator's client makes (recorded by an interceptor on that client):
 *       nothing is granted "just in case".
 *   <li>With any one granted verb removed the scenario fails, and for that verb: the operator was
 *       refused it, or JOSDK refused to start without it. (Not for the {@link #CONFLICT_ONLY}
 *       verb.) An operator starved of an informer ends its process, so those runs trap {@code
 *       System.exit} ({@link ExitTrap}).
 *   <li>{@code kubectl auth can-i --list} for the ServiceAccount matches the files under
 *       src/test/resources/rbac/; after a deliberate RBAC change regenerate them with {@code ./mvnw
 *       verify -Dit.test=RbacIT -Dregcred.golden.update=true} and review the diff.
 * </ul>
 */
class RbacIT {

  static final String NS = "regcred-system";
  static final String USER = "system:serviceaccount:" + NS + ":regcred-operator";
  static final List<String> GROUPS =
      List.of("system:serviceaccounts", "system:serviceaccounts:" + NS, "system:authenticated");
  static final String RUN_LABEL = "regcred.io/rbac-run";
  static final List<String> TARGETS = List.of("rbac-a", "rbac-b", "rbac-c");

  /** The namespace of the namespaced RegistryCredentials, as a tenant's. */
  static final String TENANT = "rbac-t";

  /** The tenant's ServiceAccount whose own identity buys the ECR token. */
  static final String PULLER = "puller";

  static final String REGION = "eu-west-1";
  static final String TENANT_ROLE = "arn:aws:iam::123456789012:role/rbac-team-puller";
  static final Path GOLDEN = Path.of("src/test/resources/rbac");
  static final List<String> GOLDEN_NAMESPACES = List.of("default", NS, "some-tenant");

  /** Long enough for a loaded 2-core machine when the scenario is expected to pass. */
  static final Duration PASSING_STEP = Duration.ofSeconds(60);

  /**
   * When a verb is missing the failing step waits this long. With the shipped RBAC the whole
   * scenario takes 1 to 6 s on a loaded 2-core machine (printed by {@link
   * #scenarioUsesEveryGrantedVerbAndIsRefusedNothing}). It must stay below the 10 s after which a
   * leader that cannot renew its Lease exits the process.
   */
  static final Duration FAILING_STEP = Duration.ofSeconds(5);

  /**
   * Granted but never sent by the operator in the scenario, each for a reason. The verb-removal
   * runs still cover those whose absence is visible.
   */
  static final Map<String, String> NOT_SENT =
      Map.of(
          "get clusterregistrycredentials.regcred.io",
          "JOSDK re-reads the credential when removing its finalizer meets a conflict",
          "get registrycredentials.regcred.io",
          "the same for the namespaced kind",
          "update leases.coordination.k8s.io",
          "JOSDK's start-up access check insists on it; fabric8's LeaseLock patches instead");

  /**
   * Used only after a 409 Conflict, which the scenario cannot provoke at will; without it the
   * operator still converges, one retry later. It is a {@code get} next to a {@code list} of the
   * same resource, so it grants no access that {@code list} does not already give.
   */
  static final Set<String> CONFLICT_ONLY =
      Set.of("get clusterregistrycredentials.regcred.io", "get registrycredentials.regcred.io");

  static KubernetesClient admin;
  static List<HasMetadata> shipped;

  /** STS and ECR: trust the tenant's puller ServiceAccount, and nothing else. */
  static FakeAws aws;

  static final AtomicInteger runs = new AtomicInteger();

  @BeforeAll
  static void cluster() throws Exception {
    admin = TestCluster.newAdminClient();
    namespace(admin, NS, Map.of());
    String rbacYaml = run(List.of("kubectl", "kustomize", "config/rbac"));
    shipped =
        admin.load(new ByteArrayInputStream(rbacYaml.getBytes(StandardCharsets.UTF_8))).items();
    apply(shipped);
    for (String ns : TARGETS) {
      namespace(admin, ns, Map.of());
      serviceAccount(admin, ns, "default");
    }
    namespace(admin, TENANT, Map.of());
    serviceAccount(admin, TENANT, "default");
    serviceAccount(admin, TENANT, PULLER);
    aws = FakeAws.start(REGION);
    aws.trustServiceAccount(
        TENANT_ROLE,
        ServiceAccountTrust.of(
            ServiceAccountTrust.jwks(admin.raw("/openid/v1/jwks")),
            TENANT,
            PULLER,
            TenantIdentity.Aws.AUDIENCE));
  }

  @AfterAll
  static void close() {
    if (aws != null) {
      aws.close();
    }
    if (admin != null) {
      apply(shipped);
      for (String ns : Stream.concat(TARGETS.stream(), Stream.of(TENANT)).toList()) {
        Fixtures.removeNamespace(admin, ns);
      }
      admin.close();
    }
  }

  // --- the grants --------------------------------------------------------------------------

  /**
   * One verb of one rule of a shipped (Cluster)Role. {@code namespace} is null for a ClusterRole
   * (bound cluster-wide), else the Role's namespace, the only one it applies to.
   */
  record Grant(String role, int rule, String verb, PolicyRule policy, String namespace) {

    boolean allows(ApiRequestLog.Request r) {
      return policy.getVerbs().contains(r.verb())
          && r.verb().equals(verb)
          && policy.getApiGroups().contains(r.group())
          && policy.getResources().contains(r.resource())
          && (namespace == null || namespace.equals(r.namespace()));
    }

    /** "verb resource.group", as kubectl auth can-i takes it. */
    String key() {
      String group = policy.getApiGroups().get(0);
      return verb
          + " "
          + String.join(",", policy.getResources())
          + (group.isEmpty() ? "" : "." + group);
    }

    @Override
    public String toString() {
      return key()
          + (namespace == null ? " (cluster-wide)" : " -n " + namespace)
          + " ["
          + role
          + "]";
    }
  }

  /** Every verb of every rule of every role bound to the operator's ServiceAccount. */
  static List<Grant> grants(List<HasMetadata> rbac) {
    Set<String> bound = new TreeSet<>();
    for (HasMetadata o : rbac) {
      List<Subject> subjects =
          o instanceof ClusterRoleBinding b
              ? b.getSubjects()
              : o instanceof RoleBinding b ? b.getSubjects() : List.of();
      boolean ours =
          subjects.stream()
              .anyMatch(
                  s ->
                      "ServiceAccount".equals(s.getKind())
                          && "regcred-operator".equals(s.getName())
                          && NS.equals(s.getNamespace()));
      if (ours && o instanceof ClusterRoleBinding b) {
        bound.add("ClusterRole/" + b.getRoleRef().getName());
      } else if (ours && o instanceof RoleBinding b) {
        bound.add("Role/" + b.getMetadata().getNamespace() + "/" + b.getRoleRef().getName());
      }
    }
    List<Grant> grants = new ArrayList<>();
    for (HasMetadata o : rbac) {
      List<PolicyRule> rules;
      String namespace = null;
      String role;
      if (o instanceof ClusterRole r) {
        rules = r.getRules();
        role = "ClusterRole/" + r.getMetadata().getName();
      } else if (o instanceof Role r) {
        rules = r.getRules();
        namespace = r.getMetadata().getNamespace();
        role = "Role/" + namespace + "/" + r.getMetadata().getName();
      } else {
        continue;
      }
      if (aggregated(o)) {
        // Not the operator's: what tenants may do, aggregated to the built-in roles
        // (TenantRolesIT), bound to no one by the shipped manifests.
        assertThat(bound).as("%s is bound to no one", role).doesNotContain(role);
        continue;
      }
      assertThat(bound).as("%s is bound to the operator's ServiceAccount", role).contains(role);
      for (int i = 0; i < rules.size(); i++) {
        for (String verb : rules.get(i).getVerbs()) {
          grants.add(new Grant(role, i, verb, rules.get(i), namespace));
        }
      }
    }
    return grants;
  }

  /**
   * A ClusterRole whose rules kube-controller-manager copies into the built-in admin, edit or view.
   */
  static boolean aggregated(HasMetadata role) {
    Map<String, String> labels = role.getMetadata().getLabels();
    return role instanceof ClusterRole
        && labels != null
        && labels.keySet().stream()
            .anyMatch(k -> k.startsWith("rbac.authorization.k8s.io/aggregate-to-"));
  }

  /** The shipped RBAC with one verb taken out of one rule (the rule goes when it has none left). */
  static List<HasMetadata> without(Grant grant) {
    List<HasMetadata> copy = new ArrayList<>();
    for (HasMetadata o : shipped) {
      HasMetadata c = Serialization.clone(o);
      List<PolicyRule> rules =
          c instanceof ClusterRole r ? r.getRules() : c instanceof Role r ? r.getRules() : null;
      String role =
          c instanceof ClusterRole
              ? "ClusterRole/" + c.getMetadata().getName()
              : "Role/" + c.getMetadata().getNamespace() + "/" + c.getMetadata().getName();
      if (rules != null && role.equals(grant.role())) {
        PolicyRule rule = rules.get(grant.rule());
        rule.setVerbs(rule.getVerbs().stream().filter(v -> !v.equals(grant.verb())).toList());
        if (rule.getVerbs().isEmpty()) {
          rules.remove(grant.rule());
        }
      }
      copy.add(c);
    }
    return copy;
  }

  // --- the tests ---------------------------------------------------------------------------

  @Test
  void scenarioUsesEveryGrantedVerbAndIsRefusedNothing() {
    apply(shipped);
    var log = new ApiRequestLog();
    Outcome outcome;
    try (var exits = new ExitTrap()) {
      outcome = scenario(PASSING_STEP, log, exits);
    }
    System.out.println("RBAC scenario with the shipped RBAC: " + outcome);
    assertThat(outcome.failedStep()).as(outcome.failure()).isNull();
    assertThat(outcome.exit()).isEmpty();
    assertThat(log.forbidden()).as("requests refused with 403").isEmpty();

    List<Grant> grants = grants(shipped);
    // Everything the operator asked for is granted by its own roles (or, like the start-up
    // SelfSubjectRulesReview, to every authenticated user).
    for (ApiRequestLog.Request r : log.made()) {
      if (!r.resource().equals("selfsubjectrulesreviews")) {
        assertThat(grants).as("a grant for %s", r).anyMatch(g -> g.allows(r));
      }
    }
    // The cluster-wide grants the namespaced kind needs are used only where its credentials live:
    // a ServiceAccount token of the credential's own namespace, Events beside the object.
    assertThat(log.made())
        .filteredOn(r -> r.resource().equals("serviceaccounts/token"))
        .extracting(ApiRequestLog.Request::namespace)
        .containsOnly(TENANT);
    assertThat(log.made())
        .filteredOn(r -> r.resource().equals("events") && !r.verb().equals("list"))
        .filteredOn(r -> !r.verb().equals("watch"))
        .extracting(ApiRequestLog.Request::namespace)
        .containsOnly(EventRecorder.EVENT_NAMESPACE, TENANT);
    // Every grant is used.
    Map<String, String> unused = new LinkedHashMap<>();
    for (Grant g : grants) {
      if (log.made().stream().noneMatch(g::allows)) {
        unused.put(g.key(), g.toString());
      }
    }
    System.out.println(
        "requests made: " + new TreeSet<>(log.made().stream().map(Object::toString).toList()));
    // The conflict-only get is sent when the scenario happens to meet a conflict.
    assertThat(unused.keySet())
        .as("granted but not used by the scenario: %s", unused.values())
        .isSubsetOf(NOT_SENT.keySet())
        .contains("update leases.coordination.k8s.io");
  }

  @Test
  void withoutAnyOneGrantedVerbTheScenarioFails() {
    List<Grant> grants =
        grants(shipped).stream().filter(g -> !CONFLICT_ONLY.contains(g.key())).toList();
    assertThat(grants).hasSizeGreaterThan(10);
    Instant start = Instant.now();
    List<String> report = new ArrayList<>();
    try (var exits = new ExitTrap()) {
      for (Grant grant : grants) {
        apply(without(grant));
        awaitAllowed(grant, false);
        var log = new ApiRequestLog();
        Outcome outcome = scenario(FAILING_STEP, log, exits);
        report.add(String.format("%-72s %s", "without " + grant, outcome));
        assertThat(outcome.failedStep())
            .as("the scenario passed without %s: that verb is not needed", grant)
            .isNotNull();
        // ... and failed for that verb, not for slowness: the operator was refused it, or JOSDK's
        // start-up check of the Lease permissions refused to start without it.
        assertThat(
                log.forbidden().stream().anyMatch(grant::allows)
                    || outcome.failure().contains("No permission to lease resource"))
            .as("%s failed (%s) without a 403 for it: %s", grant, outcome, outcome.failure())
            .isTrue();
        apply(shipped);
        awaitAllowed(grant, true);
      }
    } finally {
      apply(shipped);
      System.out.println(
          "RBAC verb-removal runs: "
              + report.size()
              + " in "
              + Duration.between(start, Instant.now()).toSeconds()
              + " s\n"
              + String.join("\n", report));
    }
  }

  /**
   * Why Events are granted in every namespace, with no Role in "default" for them: Events in
   * "default" alone, all a ClusterRegistryCredential needs, refuse a RegistryCredential's Events,
   * which must live in its own namespace, and the scenario fails there. (A Role in "default" next
   * to the cluster-wide grant would add nothing: the verb-removal runs would pass without it.)
   */
  @Test
  void eventsOnlyInDefaultAreNotEnoughForNamespacedCredentials() {
    List<HasMetadata> defaultOnly = new ArrayList<>();
    for (HasMetadata o : shipped) {
      HasMetadata c = Serialization.clone(o);
      if (c instanceof ClusterRole r && r.getMetadata().getName().equals("regcred-operator")) {
        assertThat(
                r.getRules()
                    .removeIf(
                        rule ->
                            rule.getResources().equals(List.of("events"))
                                && rule.getVerbs().contains("create")))
            .isTrue();
      }
      defaultOnly.add(c);
    }
    var role =
        new RoleBuilder()
            .withNewMetadata()
            .withName("rbac-events-in-default")
            .withNamespace(EventRecorder.EVENT_NAMESPACE)
            .endMetadata()
            .addNewRule()
            .withApiGroups("")
            .withResources("events")
            .withVerbs("get", "create", "update")
            .endRule()
            .build();
    var binding =
        new RoleBindingBuilder()
            .withNewMetadata()
            .withName("rbac-events-in-default")
            .withNamespace(EventRecorder.EVENT_NAMESPACE)
            .endMetadata()
            .withNewRoleRef("rbac.authorization.k8s.io", "Role", "rbac-events-in-default")
            .addNewSubject()
            .withKind("ServiceAccount")
            .withName("regcred-operator")
            .withNamespace(NS)
            .endSubject()
            .build();
    defaultOnly.add(role);
    defaultOnly.add(binding);
    try (var exits = new ExitTrap()) {
      apply(defaultOnly);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  operatorMay("create", "events", EventRecorder.EVENT_NAMESPACE)
                      && !operatorMay("create", "events", TENANT));
      var log = new ApiRequestLog();
      Outcome outcome = scenario(FAILING_STEP, log, exits);
      System.out.println("RBAC scenario with Events in default only: " + outcome);
      assertThat(outcome.failedStep()).as(outcome.toString()).startsWith("namespaced sync");
      assertThat(log.forbidden())
          .contains(new ApiRequestLog.Request("get", "", "events", TENANT))
          .noneMatch(r -> EventRecorder.EVENT_NAMESPACE.equals(r.namespace()));
    } finally {
      admin.resource(binding).delete();
      admin.resource(role).delete();
      apply(shipped);
      await().atMost(Duration.ofSeconds(10)).until(() -> operatorMay("create", "events", TENANT));
    }
  }

  /**
   * The test API server runs OwnerReferencesPermissionEnforcement, as OpenShift does. It asks for
   * update on clusterregistrycredentials/finalizers only when an ownerReference blocks the owner's
   * deletion; the managed Secrets' do not, so the operator is not granted it.
   */
  @Test
  void ownerReferencesThatBlockDeletionWouldNeedMoreThanIsGranted() {
    apply(shipped);
    var owner =
        Credentials.named("rbac-owner")
            .staticSource("none", "quay.io")
            .namespaces("rbac-a")
            .build();
    owner = admin.resource(owner).create();
    try (KubernetesClient asOperator =
        new KubernetesClientBuilder().withConfig(asOperator()).build()) {
      for (boolean block : List.of(false, true)) {
        Secret secret =
            new SecretBuilder()
                .withNewMetadata()
                .withName("rbac-owned-" + block)
                .withNamespace("rbac-a")
                .addNewOwnerReference()
                .withApiVersion(owner.getApiVersion())
                .withKind(owner.getKind())
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(block)
                .endOwnerReference()
                .endMetadata()
                .build();
        if (block) {
          assertThatThrownBy(() -> asOperator.resource(secret).create())
              .isInstanceOf(KubernetesClientException.class)
              .hasMessageContaining("cannot set blockOwnerDeletion");
        } else {
          asOperator.resource(secret).create();
          admin.resource(secret).delete();
        }
      }
    } finally {
      admin.resource(owner).delete();
    }
  }

  @Test
  void kubectlAuthCanIListMatchesTheGoldenFiles() throws Exception {
    apply(shipped);
    Path kubeconfig = TestCluster.kubeconfigFile();
    boolean update = Boolean.getBoolean("regcred.golden.update");
    for (String ns : GOLDEN_NAMESPACES) {
      String canI = canIList(kubeconfig, ns);
      // The API server lists rules in the order it meets the bindings, which is not stable:
      // the header, then the rows sorted.
      List<String> lines = canI.lines().toList();
      canI =
          lines.get(0)
              + "\n"
              + lines.stream().skip(1).sorted().collect(Collectors.joining("\n"))
              + "\n";
      Path golden = GOLDEN.resolve("can-i-list-" + ns + ".txt");
      if (update) {
        Files.createDirectories(GOLDEN);
        Files.writeString(golden, canI);
      }
      assertThat(canI)
          .as(
              "kubectl auth can-i --list --as %s -n %s differs from %s; if the RBAC change is"
                  + " intended, rerun with -Dregcred.golden.update=true and review the diff",
              USER, ns, golden)
          .isEqualTo(Files.readString(golden));
    }
  }

  /** {@code kubectl auth can-i --list} as the operator's ServiceAccount in one namespace. */
  private static String canIList(Path kubeconfig, String ns) throws Exception {
    return run(
        List.of(
            "kubectl",
            "--kubeconfig",
            kubeconfig.toString(),
            "auth",
            "can-i",
            "--list",
            "--as",
            USER,
            "-n",
            ns));
  }

  @Test
  void grantsNothingDangerous() throws Exception {
    apply(shipped);
    Path kubeconfig = TestCluster.kubeconfigFile();
    for (String ns : GOLDEN_NAMESPACES) {
      String canI = canIList(kubeconfig, ns);
      for (String line : canI.lines().skip(1).toList()) {
        assertThat(line).doesNotContain("escalate", "bind", "impersonate", "pods/exec", "[*]");
        assertThat(line.split("\\s+")[0]).isNotEqualTo("*.*");
      }
      // Pods only by name, never listed or watched, never written.
      assertThat(canI).containsPattern("(?m)^pods\\s+\\[\\]\\s+\\[\\]\\s+\\[get\\]$");
    }
    for (String forbidden :
        List.of(
            "create pods",
            "list pods",
            "watch pods",
            "delete pods",
            "create pods/exec",
            "impersonate users",
            "escalate clusterroles.rbac.authorization.k8s.io",
            "bind clusterroles.rbac.authorization.k8s.io",
            "delete clusterregistrycredentials.regcred.io",
            "update clusterregistrycredentials.regcred.io",
            "create registrycredentials.regcred.io",
            "delete registrycredentials.regcred.io",
            "update registrycredentials.regcred.io",
            "delete namespaces",
            "patch namespaces",
            "delete serviceaccounts",
            "create serviceaccounts",
            "delete events -n some-tenant",
            "patch events -n some-tenant",
            "create leases.coordination.k8s.io -n some-tenant")) {
      var args =
          new ArrayList<>(
              List.of(
                  "kubectl",
                  "--kubeconfig",
                  kubeconfig.toString(),
                  "auth",
                  "can-i",
                  "--as",
                  USER,
                  "-n",
                  "rbac-a"));
      args.addAll(List.of(forbidden.split(" ")));
      assertThat(runStatus(args)).as(forbidden).isNotZero();
    }
  }

  // --- the scenario ------------------------------------------------------------------------

  /**
   * How a run went: the step that failed (null: none) and why, whether the operator tried to end
   * the process, and how long the run took.
   */
  record Outcome(String failedStep, String failure, Optional<Integer> exit, Duration took) {
    @Override
    public String toString() {
      return (failedStep == null ? "passed" : "failed at " + failedStep)
          + " in "
          + took.toMillis()
          + " ms"
          + exit.map(status -> ", the operator called System.exit(" + status + ")").orElse("")
          + (failedStep != null && failedStep.equals("start") ? ": " + rootCause() : "");
    }

    /** The innermost cause, cut short: enough to see which permission was missing. */
    String rootCause() {
      String root =
          failure
              .substring(failure.lastIndexOf(" / caused by ") + 1)
              .replaceFirst("^/ caused by ", "");
      return root.length() > 160 ? root.substring(0, 160) + "…" : root;
    }
  }

  /** A step of the scenario: what it proves, and the assertions that must hold within a time. */
  interface Check {
    void run() throws Exception;
  }

  static Outcome scenario(Duration stepTimeout, ApiRequestLog log, ExitTrap exits) {
    exits.reset();
    String id = "r" + runs.incrementAndGet();
    String credential = "rbac-" + id;
    String secretName = "pull-" + id;
    String source = "rbac-src-" + id;
    // Namespaced: one reading a Secret of its namespace, one buying an ECR token with its
    // namespace's own ServiceAccount.
    String tenantStatic = "tenant-" + id;
    String tenantEcr = "tenant-ecr-" + id;
    Instant start = Instant.now();
    String[] step = {"setup"};
    OperatorMain main = null;
    KubernetesClient client = null;
    try {
      admin.resource(basicAuthSecret(NS, source, "robot", "pw-1")).create();
      admin.resource(basicAuthSecret(TENANT, source, "tenant-robot", "tenant-pw")).create();
      namespace(admin, "rbac-a", Map.of(RUN_LABEL, id));
      namespace(admin, "rbac-b", Map.of(RUN_LABEL, id));
      namespace(admin, "rbac-c", Map.of());
      // Someone else's Secret of the target name: the operator must read it to report a Conflict.
      admin
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName(secretName)
                  .withNamespace("rbac-c")
                  .endMetadata()
                  .withStringData(Map.of("owner", "someone else"))
                  .build())
          .create();
      // An entry without a name, which the operator's cache leaves out: its copy cannot stand for
      // the list, so it reads this ServiceAccount and writes it whole (get, update) where it
      // otherwise patches from the cache.
      ServiceAccount odd = admin.serviceAccounts().inNamespace("rbac-b").withName("default").get();
      odd.setImagePullSecrets(List.of(new LocalObjectReference()));
      admin.resource(odd).update();

      step[0] = "start";
      client = log.client(asOperator());
      main =
          new OperatorMain(
              OperatorConfig.fromEnv(
                  Map.of(
                      "REGCRED_NAMESPACE",
                      NS,
                      "REGCRED_LEADER_ELECTION",
                      "true",
                      "REGCRED_LEASE_NAME",
                      "rbac-" + id,
                      "REGCRED_LEADER_IDENTITY",
                      "rbac-" + id,
                      "REGCRED_HTTP_PORT",
                      "0")),
              client,
              Clock.systemUTC(),
              RbacIT::providers);
      main.start();

      var rc =
          Credentials.named(credential)
              .staticSource(source, "quay.io")
              .namespaces("rbac-c")
              .selector(Map.of(RUN_LABEL, id))
              .secretName(secretName)
              .build();
      admin.resource(rc).create();
      admin
          .resource(
              NamespacedCredentials.named(TENANT, tenantStatic)
                  .staticSource(source, "quay.io")
                  .verification(false)
                  .build())
          .create();
      admin
          .resource(
              NamespacedCredentials.named(TENANT, tenantEcr)
                  .ecr(REGION, PULLER, TENANT_ROLE)
                  .serviceAccounts(PULLER)
                  .verification(false)
                  .build())
          .create();

      step(
          step,
          "sync: finalizer, Secrets, ServiceAccounts, status, Conflict Event, Lease",
          stepTimeout,
          () -> {
            ClusterRegistryCredential c = credential(credential);
            assertThat(c.getMetadata().getFinalizers()).isNotEmpty();
            for (String ns : List.of("rbac-a", "rbac-b")) {
              assertThat(ownedBy(secret(ns, secretName), c)).as("Secret in %s", ns).isTrue();
              assertThat(pullSecrets(ns)).contains(secretName);
            }
            assertThat(pullSecrets("rbac-b")).as("rbac-b keeps the nameless entry").hasSize(2);
            assertThat(c.getStatus()).isNotNull();
            assertThat(c.getStatus().getNamespaces().targeted()).isEqualTo(3);
            assertThat(c.getStatus().getNamespaces().synced()).isEqualTo(2);
            assertThat(c.getStatus().getFailures())
                .extracting(SyncFailure::namespace, SyncFailure::reason)
                .containsExactly(tuple("rbac-c", "Conflict"));
            assertThat(eventCount(credential, "Conflict")).isEqualTo(1);
            // Held and renewed (fabric8 renews right after acquiring, then every 2 s; a leader
            // that cannot renew exits after 10 s, so this step must fail well before that).
            var lease = admin.leases().inNamespace(NS).withName("rbac-" + id).get().getSpec();
            assertThat(lease.getHolderIdentity()).isEqualTo("rbac-" + id);
            assertThat(lease.getRenewTime()).isAfter(lease.getAcquireTime());
          });

      step(
          step,
          "namespaced sync: finalizers, Secrets and ServiceAccounts in its namespace, status,"
              + " Events there, a ServiceAccount token exchanged",
          stepTimeout,
          () -> {
            for (String name : List.of(tenantStatic, tenantEcr)) {
              RegistryCredential c = tenantCredential(name);
              assertThat(c.getMetadata().getFinalizers()).as(name).isNotEmpty();
              assertThat(ownedBy(secret(TENANT, name), c)).as("Secret %s", name).isTrue();
              assertThat(c.getStatus().getNamespaces().synced()).as(name).isEqualTo(1);
              assertThat(eventCount(TENANT, name, "AllNamespacesSynced")).as(name).isPositive();
            }
            assertThat(pullSecrets(TENANT, "default")).containsExactly(tenantStatic);
            assertThat(pullSecrets(TENANT, PULLER)).containsExactly(tenantEcr);
            assertThat(CredentialChecks.dockerConfig(secret(TENANT, tenantStatic)))
                .contains("tenant-pw");
            assertThat(CredentialChecks.dockerConfig(secret(TENANT, tenantEcr)))
                .contains(aws.lastIssuedPassword());
          });

      // What the kubelet does when the registry refuses a pull: the operator watches such Events
      // (list, watch) and reads the Pod one names (get).
      Fixtures.failingPull(admin, "rbac-a", "app-" + id, "quay.io/acme/app:1", secretName);
      step(
          step,
          "pull failure: the kubelet's Event reported on the credential",
          stepTimeout,
          () -> {
            assertThat(credential(credential).getStatus().getPullFailures())
                .extracting(PullFailure::pod)
                .containsExactly("app-" + id);
            assertThat(eventCount(credential, "CredentialRefused")).isEqualTo(1);
          });

      Map<String, String> uids = new LinkedHashMap<>();
      for (String ns : List.of("rbac-a", "rbac-b")) {
        uids.put(ns, secret(ns, secretName).getMetadata().getUid());
      }
      admin.resource(basicAuthSecret(NS, source, "robot", "pw-2")).update();
      step(
          step,
          "rotation: Secrets updated in place, Rotated Event",
          stepTimeout,
          () -> {
            for (String ns : uids.keySet()) {
              Secret s = secret(ns, secretName);
              assertThat(s.getMetadata().getUid()).isEqualTo(uids.get(ns));
              assertThat(CredentialChecks.dockerConfig(s)).contains("pw-2");
            }
            assertThat(eventCount(credential, "Rotated")).isEqualTo(1);
          });

      admin.resource(basicAuthSecret(NS, source, "robot", "pw-3")).update();
      step(
          step,
          "second rotation: the same Event counted again",
          stepTimeout,
          () -> {
            assertThat(CredentialChecks.dockerConfig(secret("rbac-a", secretName)))
                .contains("pw-3");
            assertThat(eventCount(credential, "Rotated")).isEqualTo(2);
          });

      namespace(admin, "rbac-b", Map.of());
      step(
          step,
          "prune: namespace left the selector",
          stepTimeout,
          () -> {
            assertThat(secret("rbac-b", secretName)).isNull();
            assertThat(pullSecrets("rbac-b")).doesNotContain(secretName);
          });

      for (String name : List.of(tenantStatic, tenantEcr)) {
        admin.resources(RegistryCredential.class).inNamespace(TENANT).withName(name).delete();
      }
      step(
          step,
          "namespaced delete: clean-up, finalizers removed",
          stepTimeout,
          () -> {
            for (String name : List.of(tenantStatic, tenantEcr)) {
              assertThat(tenantCredential(name)).as(name).isNull();
              assertThat(secret(TENANT, name)).as(name).isNull();
            }
            assertThat(pullSecrets(TENANT, "default")).isEmpty();
            assertThat(pullSecrets(TENANT, PULLER)).isEmpty();
          });

      admin.resources(ClusterRegistryCredential.class).withName(credential).delete();
      step(
          step,
          "delete: clean-up, finalizer removed",
          stepTimeout,
          () -> {
            assertThat(credential(credential)).isNull();
            assertThat(secret("rbac-a", secretName)).isNull();
            assertThat(pullSecrets("rbac-a")).doesNotContain(secretName);
          });
      assertThat(secret("rbac-c", secretName).getData()).containsKey("owner");
      return new Outcome(null, null, exits.attempted(), Duration.between(start, Instant.now()));
    } catch (Exception | AssertionError e) {
      StringBuilder causes = new StringBuilder();
      for (Throwable t = e; t != null; t = t.getCause()) {
        causes.append(causes.length() == 0 ? "" : " / caused by ").append(t);
      }
      return new Outcome(
          step[0], causes.toString(), exits.attempted(), Duration.between(start, Instant.now()));
    } finally {
      if (main != null) {
        try {
          main.close();
        } catch (RuntimeException e) {
          // stopping an operator that never fully started
        }
      }
      if (client != null) {
        client.close();
      }
      cleanUp(credential, secretName, source, "rbac-" + id, List.of(tenantStatic, tenantEcr));
    }
  }

  static void step(String[] current, String name, Duration timeout, Check check) {
    current[0] = name;
    await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptions()
        .untilAsserted(check::run);
  }

  /** Leaves nothing of a run behind, whatever the operator managed to do. */
  static void cleanUp(
      String credential,
      String secretName,
      String source,
      String lease,
      List<String> tenantCredentials) {
    withoutFinalizers(admin.resources(ClusterRegistryCredential.class).withName(credential));
    for (String name : tenantCredentials) {
      withoutFinalizers(
          admin.resources(RegistryCredential.class).inNamespace(TENANT).withName(name));
      admin.secrets().inNamespace(TENANT).withName(name).delete();
    }
    for (String ns : TARGETS) {
      admin.secrets().inNamespace(ns).withName(secretName).delete();
      clearPullSecrets(ns, "default");
    }
    clearPullSecrets(TENANT, "default");
    clearPullSecrets(TENANT, PULLER);
    admin.secrets().inNamespace(NS).withName(source).delete();
    admin.secrets().inNamespace(TENANT).withName(source).delete();
    admin.leases().inNamespace(NS).withName(lease).delete();
    admin.v1().events().inNamespace(EventRecorder.EVENT_NAMESPACE).list().getItems().stream()
        .filter(e -> credential.equals(e.getInvolvedObject().getName()))
        .forEach(e -> admin.resource(e).delete());
    admin.v1().events().inNamespace(TENANT).delete();
  }

  /** Deletes a credential, whether or not an operator is left to remove its finalizer. */
  static void withoutFinalizers(Resource<? extends HasMetadata> credential) {
    if (credential.get() != null) {
      credential.edit(
          r -> {
            r.getMetadata().setFinalizers(List.of());
            return r;
          });
      credential.delete();
    }
  }

  static void clearPullSecrets(String ns, String name) {
    ServiceAccount sa = admin.serviceAccounts().inNamespace(ns).withName(name).get();
    sa.setImagePullSecrets(List.of());
    if (sa.getMetadata().getAnnotations() != null) {
      sa.getMetadata().getAnnotations().remove(Annotations.ADDED_PULL_SECRETS);
    }
    admin.resource(sa).update();
  }

  /**
   * The operator's providers: those it ships, with ECR and STS pointed at the fake (the SDK's own
   * client, trusting the test CA).
   */
  static List<TokenProvider> providers(SourceSecrets secrets) {
    return List.of(
        new StaticSecretProvider(secrets, Clock.systemUTC()),
        new EcrTokenProvider(
            secrets,
            Clock.systemUTC(),
            aws.endpoints(),
            TestTls.get().providerHttp(),
            AwsIdentityEnv.of(Map.of())));
  }

  static Config asOperator() {
    return new ConfigBuilder(TestCluster.adminConfig())
        .withImpersonateUsername(USER)
        .withImpersonateGroups(GROUPS.toArray(String[]::new))
        .build();
  }

  static ClusterRegistryCredential credential(String name) {
    return admin.resources(ClusterRegistryCredential.class).withName(name).get();
  }

  static Secret secret(String ns, String name) {
    return admin.secrets().inNamespace(ns).withName(name).get();
  }

  static RegistryCredential tenantCredential(String name) {
    return admin.resources(RegistryCredential.class).inNamespace(TENANT).withName(name).get();
  }

  static boolean ownedBy(Secret secret, HasMetadata credential) {
    return secret != null
        && Labels.MANAGED_BY_VALUE.equals(secret.getMetadata().getLabels().get(Labels.MANAGED_BY))
        && secret.getMetadata().getOwnerReferences().stream()
            .anyMatch(o -> o.getUid().equals(credential.getMetadata().getUid()));
  }

  static List<String> pullSecrets(String ns) {
    return pullSecrets(ns, "default");
  }

  static List<String> pullSecrets(String ns, String serviceAccount) {
    List<LocalObjectReference> refs =
        admin
            .serviceAccounts()
            .inNamespace(ns)
            .withName(serviceAccount)
            .get()
            .getImagePullSecrets();
    return refs == null ? List.of() : refs.stream().map(LocalObjectReference::getName).toList();
  }

  /** The count of the Event with this reason about the cluster-scoped credential. */
  static int eventCount(String credential, String reason) {
    return eventCount(EventRecorder.EVENT_NAMESPACE, credential, reason);
  }

  /**
   * The count of the Event with this reason about the credential, from the namespace Events about
   * it must live in (0 when there is none).
   */
  static int eventCount(String namespace, String credential, String reason) {
    return admin.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> credential.equals(e.getInvolvedObject().getName()))
        .filter(e -> reason.equals(e.getReason()))
        .mapToInt(e -> e.getCount() == null ? 1 : e.getCount())
        .sum();
  }

  // --- RBAC and kubectl --------------------------------------------------------------------

  static void apply(List<HasMetadata> rbac) {
    for (HasMetadata o : rbac) {
      admin.resource(o).forceConflicts().serverSideApply();
    }
  }

  /** The authorizer's answer for the operator's ServiceAccount on one core/v1 request. */
  static boolean operatorMay(String verb, String resource, String namespace) {
    return Authorizer.allows(admin, USER, GROUPS, verb, "", resource, namespace);
  }

  /** RBAC changes reach the authorizer through an informer: wait until it answers as expected. */
  static void awaitAllowed(Grant grant, boolean allowed) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Authorizer.allows(
                        admin,
                        USER,
                        GROUPS,
                        grant.verb(),
                        grant.policy().getApiGroups().get(0),
                        grant.policy().getResources().get(0),
                        grant.namespace() == null ? "" : grant.namespace())
                    == allowed);
  }

  static String run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + out).isZero();
    return out;
  }

  static int runStatus(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    p.waitFor(60, TimeUnit.SECONDS);
    return p.exitValue();
  }
}
