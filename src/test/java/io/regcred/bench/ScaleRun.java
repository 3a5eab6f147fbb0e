package io.regcred.bench;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.regcred.Annotations;
import io.regcred.KubernetesClients;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.config.OperatorConfig;
import io.regcred.config.OperatorConfig.Setting;
import io.regcred.it.ControlPlane;
import io.regcred.it.CredentialChecks;
import io.regcred.it.Fixtures;
import io.regcred.model.DockerConfigJson;
import io.regcred.model.ManagedSecret;
import io.regcred.model.RegistryAuth;
import io.regcred.model.RegistryToken;
import io.regcred.testing.Credentials;
import io.regcred.testing.OperatorProcess;
import io.regcred.testing.Ports;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * One run of the scale benchmark on an API server and etcd of its own: the raw-writer baseline,
 * then the operator as its own process fanning one static credential out to every namespace,
 * rotating it, onboarding new namespaces one by one and being restarted. docs/benchmarks.md says
 * what each figure means.
 */
final class ScaleRun {

  /**
   * What to run.
   *
   * @param namespaces labelled namespaces, each with a {@code default} ServiceAccount
   * @param onboarding namespaces then created one by one
   * @param restartWindow how long the operator's requests are counted after a restart
   * @param writeConcurrency the operator's write pool and the baseline's; empty: the operator's
   *     default
   * @param payload the operator from the runtime payload (as shipped), else from target/classes
   */
  record Settings(
      int namespaces,
      int onboarding,
      Duration restartWindow,
      OptionalInt writeConcurrency,
      boolean payload) {

    /** From {@code -Dregcred.bench.*} properties, with these defaults. */
    static Settings fromProperties(int namespaces, int onboarding, Duration restartWindow) {
      Integer concurrency = Integer.getInteger("regcred.bench.writeConcurrency");
      return new Settings(
          Integer.getInteger("regcred.bench.namespaces", namespaces),
          Integer.getInteger("regcred.bench.onboarding", onboarding),
          Duration.ofSeconds(
              Long.getLong("regcred.bench.restartWindowSeconds", restartWindow.toSeconds())),
          concurrency == null ? OptionalInt.empty() : OptionalInt.of(concurrency),
          !"classes".equals(System.getProperty("regcred.bench.operator", "payload")));
    }
  }

  static final String OPERATOR_NS = "regcred-system";
  static final String OPERATOR_USER = "system:serviceaccount:" + OPERATOR_NS + ":regcred-operator";
  static final String CREDENTIAL = "bench";
  static final String SOURCE = "bench-src";
  static final String SERVER = "registry.bench.example";
  static final String USERNAME = "robot";
  static final String LABEL = "regcred.io/bench";
  static final Path OUTPUT = Path.of("target", "bench");

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final Settings settings;
  private final int n;
  private final Figures figures;

  ScaleRun(Settings settings) {
    this.settings = settings;
    this.n = settings.namespaces();
    this.figures = new Figures(n);
  }

  /** Runs everything; throws if the operator does not converge. */
  Figures run() throws Exception {
    Path work = Files.createTempDirectory("regcred-bench");
    Files.createDirectories(OUTPUT);
    try {
      return run(work);
    } finally {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private Figures run(Path work) throws Exception {
    Path policy = Files.writeString(work.resolve("audit-policy.yaml"), AuditLog.POLICY);
    Path auditFile = work.resolve("audit.log");
    int concurrency =
        settings
            .writeConcurrency()
            .orElseGet(
                () ->
                    OperatorConfig.fromEnv(Map.of(Setting.NAMESPACE.variable(), OPERATOR_NS))
                        .writeThreads());
    describeMachine(concurrency);
    try (ControlPlane plane =
            ControlPlane.start(
                "--audit-policy-file=" + policy,
                "--audit-log-path=" + auditFile,
                // No rotation: the log is read by offset (the default rotates at 100 MB).
                "--audit-log-maxsize=1000000");
        KubernetesClient admin = KubernetesClients.create(plane.adminConfig())) {
      AuditLog audit = new AuditLog(auditFile);
      checkRequestMetric(admin);
      Path kubeconfig = operatorIdentity(plane, admin, work);
      admin.resource(sourceSecret("pw-1")).create();

      List<String> targets = names("bench-", n);
      long setUp = System.nanoTime();
      Fixtures.inParallel(16, targets, ns -> labelledNamespace(admin, ns));
      figures.line(
          "set-up: %d namespaces with a default ServiceAccount in %.1f s",
          n, (System.nanoTime() - setUp) / 1e9);

      try (Convergence seen = new Convergence(admin, CREDENTIAL, CREDENTIAL)) {
        Baseline baseline = baseline(plane, admin, audit, seen, targets, concurrency);
        operator(plane, kubeconfig, admin, audit, seen, credential().build(), targets, baseline);
      }
    }
    figures.print();
    figures.writeJson(OUTPUT.resolve("scale-" + n + ".json"));
    return figures;
  }

  /** Rounds of the baseline; the fastest counts, as the limit. */
  static final int BASELINE_ROUNDS = 3;

  /**
   * One round of the raw writer, in ms: its times, the CPU the API server and etcd used meanwhile,
   * and what the benchmark's JVM (the writer, and the watches that see the writes) used.
   */
  record Round(
      long fanOutMs,
      long rotationMs,
      long fanOutServerCpuMs,
      long rotationServerCpuMs,
      long fanOutWriterCpuMs) {}

  /** The fastest round's fan-out and the fastest round's rotation. */
  record Baseline(Round fanOut, Round rotation) {
    long fanOutMs() {
      return fanOut.fanOutMs();
    }

    long rotationMs() {
      return rotation.rotationMs();
    }
  }

  private Baseline baseline(
      ControlPlane plane,
      KubernetesClient admin,
      AuditLog audit,
      Convergence seen,
      List<String> targets,
      int concurrency)
      throws Exception {
    // As written by the operator, only with another owner UID: the credential does not exist yet.
    RegistryCredential shape = credential().uid(UUID.randomUUID().toString()).build();
    List<Secret> created = desired(shape, targets, "pw-1");
    Map<String, Secret> rotated =
        desired(shape, targets, "pw-2").stream()
            .collect(Collectors.toMap(s -> s.getMetadata().getNamespace(), s -> s));
    List<Round> rounds = new ArrayList<>();
    try (KubernetesClient client = KubernetesClients.create(plane.adminConfig());
        RawWriter writer = new RawWriter(client, concurrency)) {
      for (int round = 0; round < BASELINE_ROUNDS; round++) {
        List<ServiceAccount> listed = defaultAccounts(admin, targets);
        writer.warmUp(listed);
        audit.drain();
        long serverCpu = serverCpuMs(plane);
        long writerCpu = ProcessStats.cpuMillis(ProcessHandle.current().pid());
        long fanOut = writer.fanOut(created, listed, CREDENTIAL);
        writerCpu = ProcessStats.cpuMillis(ProcessHandle.current().pid()) - writerCpu;
        long fanOutServerCpu = serverCpuMs(plane) - serverCpu;
        AuditLog.Requests requests = audit.drain().on(Set.of("secrets", "serviceaccounts"));
        serverCpu = serverCpuMs(plane);
        long rotation = writer.rotate(rotated);
        long rotationServerCpu = serverCpuMs(plane) - serverCpu;
        writer.undo(CREDENTIAL);
        seen.awaitGone(targets, Duration.ofSeconds(60 + n / 10));
        rounds.add(
            new Round(
                fanOut / 1_000_000,
                rotation / 1_000_000,
                fanOutServerCpu,
                rotationServerCpu,
                writerCpu));
        if (round == 0) {
          figures
              .put("baselineFanoutWrites", requests.writes())
              .put("baselineFanoutRequests", requests.byVerb());
          figures.line(
              "baseline (raw writer, %d requests at once): %d writes for %d Secrets + %d"
                  + " ServiceAccounts",
              concurrency, requests.writes(), n, listed.size());
        }
      }
    }
    figures
        .put("baselineFanoutMsRounds", rounds.stream().map(Round::fanOutMs).toList())
        .put("baselineRotationMsRounds", rounds.stream().map(Round::rotationMs).toList());
    return new Baseline(
        rounds.stream().min(Comparator.comparingLong(Round::fanOutMs)).orElseThrow(),
        rounds.stream().min(Comparator.comparingLong(Round::rotationMs)).orElseThrow());
  }

  /** The {@code default} ServiceAccounts of these namespaces, as they are now. */
  private static List<ServiceAccount> defaultAccounts(
      KubernetesClient admin, List<String> targets) {
    Set<String> wanted = Set.copyOf(targets);
    return admin
        .serviceAccounts()
        .inAnyNamespace()
        .withField("metadata.name", "default")
        .list()
        .getItems()
        .stream()
        .filter(sa -> wanted.contains(sa.getMetadata().getNamespace()))
        .toList();
  }

  private void operator(
      ControlPlane plane,
      Path kubeconfig,
      KubernetesClient admin,
      AuditLog audit,
      Convergence seen,
      RegistryCredential credential,
      List<String> targets,
      Baseline baseline)
      throws Exception {
    Path log = OUTPUT.resolve("operator-" + n + ".log");
    Files.deleteIfExists(log);
    Started operator = startOperator(kubeconfig, log);
    try {
      figures.put("readyMs", operator.readyMs());
      long pid = operator.process().pid();

      // Fan-out: the credential is created on the running operator.
      seen.expect(contentHash("pw-1"));
      audit.drain();
      long cpu = ProcessStats.cpuMillis(pid);
      long serverCpu = serverCpuMs(plane);
      long start = System.nanoTime();
      admin.resource(credential).create();
      long fanOutMs = (seen.awaitAll(targets, timeout(n)) - start) / 1_000_000;
      long fanOutServerCpu = serverCpuMs(plane) - serverCpu;
      awaitReady(admin, n);
      long fanOutCpu = ProcessStats.cpuMillis(pid) - cpu;
      AuditLog.Requests fanOut = audit.drain().of(OPERATOR_USER);
      figures.ratio(
          "fanoutTimeRatio", "fan-out (Secret + SA entry)", fanOutMs, baseline.fanOutMs());
      figures
          .put("fanoutMs", fanOutMs)
          .put("baselineFanoutMs", baseline.fanOutMs())
          .put("serverCpuMsFanout", fanOutServerCpu)
          .put("baselineServerCpuMsFanout", baseline.fanOut().fanOutServerCpuMs())
          .put("baselineWriterCpuMsFanout", baseline.fanOut().fanOutWriterCpuMs());
      long rss = ProcessStats.rssKib(pid) / 1024;
      long threads = ProcessStats.threads(pid);
      figures
          .put("cpuMsPerNamespace", round((double) fanOutCpu / n))
          .put("operatorCpuMsFanout", fanOutCpu)
          .put("rssMiB", rss)
          .put("threads", threads)
          .put("fanoutWrites", fanOut.writes())
          .put("fanoutRequests", fanOut.byVerb());

      // Rotation: the source Secret's password changes.
      seen.expect(contentHash("pw-2"));
      audit.drain();
      cpu = ProcessStats.cpuMillis(pid);
      serverCpu = serverCpuMs(plane);
      start = System.nanoTime();
      admin
          .secrets()
          .inNamespace(OPERATOR_NS)
          .withName(SOURCE)
          .edit(s -> new SecretBuilder(s).withStringData(Map.of("password", "pw-2")).build());
      long rotationMs = (seen.awaitAll(targets, timeout(n)) - start) / 1_000_000;
      long rotationServerCpu = serverCpuMs(plane) - serverCpu;
      awaitReady(admin, n);
      long rotationCpu = ProcessStats.cpuMillis(pid) - cpu;
      AuditLog.Requests rotation = audit.drain().of(OPERATOR_USER);
      figures.ratio("rotationTimeRatio", "rotation to all", rotationMs, baseline.rotationMs());
      figures
          .put("rotationMs", rotationMs)
          .put("baselineRotationMs", baseline.rotationMs())
          .put("serverCpuMsRotation", rotationServerCpu)
          .put("baselineServerCpuMsRotation", baseline.rotation().rotationServerCpuMs())
          .put("operatorCpuMsRotation", rotationCpu)
          .put("rotationWrites", rotation.writes())
          .put("rotationRequests", rotation.byVerb());

      // Onboarding at idle: namespaces created one by one.
      List<String> newcomers = names("bench-new-", settings.onboarding());
      audit.drain();
      List<Long> latencies = new ArrayList<>();
      for (String ns : newcomers) {
        start = System.nanoTime();
        labelledNamespace(admin, ns);
        latencies.add((seen.awaitAll(List.of(ns), Duration.ofSeconds(60)) - start) / 1_000_000);
        Thread.sleep(100);
      }
      awaitReady(admin, n + newcomers.size());
      AuditLog.Requests onboarding = audit.drain().of(OPERATOR_USER);
      latencies.sort(null);
      long p50 = percentile(latencies, 50);
      long p99 = percentile(latencies, 99);
      long max = latencies.get(latencies.size() - 1);
      long rssAfter = ProcessStats.rssKib(pid) / 1024;
      figures
          .put("onboardingIdleP50Ms", p50)
          .put("onboardingIdleP99Ms", p99)
          .put("onboardingIdleMaxMs", max)
          .put("onboardingNamespaces", newcomers.size())
          .put("writesPerOnboarding", round((double) onboarding.writes() / newcomers.size()))
          .put("onboardingRequests", onboarding.byVerb())
          .put("rssAfterOnboardingMiB", rssAfter);

      // Restart: stopped as a rollout stops it, started again with everything in place.
      stop(operator.process());
      audit.drain();
      operator = startOperator(kubeconfig, log);
      figures.put("restartReadyMs", operator.readyMs());
      Thread.sleep(Math.max(0, settings.restartWindow().toMillis() - operator.readyMs()));
      AuditLog.Requests restart = audit.drain().of(OPERATOR_USER);
      List<String> all = new ArrayList<>(targets);
      all.addAll(newcomers);
      seen.awaitAll(all, Duration.ofSeconds(1)); // still converged
      figures
          .put("restartWindowSeconds", settings.restartWindow().toSeconds())
          .put("restartWrites", restart.writes())
          .put("rssAfterRestartMiB", ProcessStats.rssKib(operator.process().pid()) / 1024)
          .put("restartRequests", restart.byVerb());

      figures
          .line(
              "operator CPU during fan-out         %d ms, %.2f ms per namespace (rotation %d ms);"
                  + " the raw writer's JVM %d ms",
              fanOutCpu, (double) fanOutCpu / n, rotationCpu, baseline.fanOut().fanOutWriterCpuMs())
          .line(
              "API server + etcd CPU               fan-out %d ms (baseline %d ms), rotation %d ms"
                  + " (baseline %d ms)",
              fanOutServerCpu,
              baseline.fanOut().fanOutServerCpuMs(),
              rotationServerCpu,
              baseline.rotation().rotationServerCpuMs())
          .line(
              "onboarding at idle (%d, one by one) p50 %d ms   p99 %d ms   max %d ms",
              newcomers.size(), p50, p99, max)
          .line(
              "operator RSS                        %d MiB after fan-out (%d threads), %d MiB after"
                  + " onboarding, %d MiB at the end of the restart window",
              rss, threads, rssAfter, figures.values().get("rssAfterRestartMiB"))
          .line(
              "ready (JVM start to /readyz 200)    %d ms; after a restart with the credential"
                  + " converged %d ms",
              figures.values().get("readyMs"), operator.readyMs())
          .line("operator writes during fan-out      %d: %s", fanOut.writes(), writes(fanOut))
          .line("operator writes during rotation     %d: %s", rotation.writes(), writes(rotation))
          .line(
              "operator writes per onboarding      %.2f: %s",
              (double) onboarding.writes() / newcomers.size(), writes(onboarding))
          .line(
              "operator writes in %d s after restart %d: %s",
              settings.restartWindow().toSeconds(), restart.writes(), writes(restart));
    } finally {
      stop(operator.process());
    }
  }

  // --- the operator process ---

  record Started(Process process, long readyMs) {}

  private Started startOperator(Path kubeconfig, Path log) throws Exception {
    int port = Ports.freeLoopbackPort();
    Map<String, String> env = new LinkedHashMap<>();
    env.put(Setting.NAMESPACE.variable(), OPERATOR_NS);
    // One replica: no Lease renewals among the writes counted.
    env.put(Setting.LEADER_ELECTION.variable(), "false");
    env.put(Setting.HTTP_PORT.variable(), Integer.toString(port));
    settings
        .writeConcurrency()
        .ifPresent(c -> env.put(Setting.WRITE_CONCURRENCY.variable(), Integer.toString(c)));
    if (settings.payload()) {
      OperatorProcess.payload(); // built before the clock starts
    }
    long start = System.nanoTime();
    Process process =
        settings.payload()
            ? OperatorProcess.startPayload(kubeconfig, env, log)
            : OperatorProcess.start(kubeconfig, env, log);
    HttpRequest readyz =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
            .timeout(Duration.ofSeconds(2))
            .build();
    long deadline = start + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the operator exited; its log is " + log);
      }
      try {
        if (HTTP.send(readyz, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return new Started(process, (System.nanoTime() - start) / 1_000_000);
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(20);
    }
    process.destroyForcibly();
    throw new IllegalStateException("the operator was not ready within 120 s; its log is " + log);
  }

  private static void stop(Process process) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * The operator's own ServiceAccount with the shipped RBAC (config/rbac) and a kubeconfig with a
   * token for it: its requests are told apart from the benchmark's by user in the audit log, and it
   * runs with exactly the permissions it ships with.
   */
  private static Path operatorIdentity(ControlPlane plane, KubernetesClient admin, Path work)
      throws IOException {
    admin
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(OPERATOR_NS).endMetadata().build())
        .create();
    Path rbac = Path.of("config", "rbac");
    for (String line : Files.readAllLines(rbac.resolve("kustomization.yaml"))) {
      if (line.startsWith("- ")) {
        try (InputStream in = Files.newInputStream(rbac.resolve(line.substring(2).trim()))) {
          for (HasMetadata object : admin.load(in).items()) {
            admin.resource(object).create();
          }
        }
      }
    }
    String token =
        admin
            .serviceAccounts()
            .inNamespace(OPERATOR_NS)
            .withName("regcred-operator")
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(TimeUnit.DAYS.toSeconds(1))
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    Path kubeconfig = work.resolve("operator.kubeconfig");
    Files.writeString(
        kubeconfig,
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: bench",
            "  cluster:",
            "    server: https://127.0.0.1:" + plane.apiServerPort(),
            "    certificate-authority: " + plane.caCertFile().toAbsolutePath(),
            "users:",
            "- name: regcred-operator",
            "  user:",
            "    token: " + token,
            "contexts:",
            "- name: bench",
            "  context: {cluster: bench, user: regcred-operator, namespace: " + OPERATOR_NS + "}",
            "current-context: bench",
            ""));
    return kubeconfig;
  }

  // --- objects ---

  /** The credential: a static source, every namespace with the label. */
  private static Credentials credential() {
    return Credentials.named(CREDENTIAL)
        .staticSource(SOURCE, SERVER)
        .selector(Map.of(LABEL, "yes"));
  }

  private static Secret sourceSecret(String password) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(SOURCE)
        .withNamespace(OPERATOR_NS)
        .endMetadata()
        .withType("kubernetes.io/basic-auth")
        .withStringData(Map.of("username", USERNAME, "password", password))
        .build();
  }

  private static void labelledNamespace(KubernetesClient client, String ns) {
    Fixtures.namespace(client, ns, Map.of(LABEL, "yes"));
    // No controller-manager here: the ServiceAccount controller's part.
    Fixtures.serviceAccount(client, ns, "default");
  }

  /** The Secrets the operator writes for a static source with this password. */
  private static List<Secret> desired(
      RegistryCredential credential, List<String> namespaces, String password) {
    RegistryToken token = token(password);
    String sourceHash =
        ManagedSecret.sha256(Serialization.asJson(credential.getSpec().getSource()));
    return namespaces.stream()
        .map(ns -> ManagedSecret.desired(credential, ns, token, sourceHash))
        .toList();
  }

  /** The {@link Annotations#CONTENT_HASH} of the Secrets written for this password. */
  private static String contentHash(String password) {
    return ManagedSecret.sha256(DockerConfigJson.render(token(password).auths()));
  }

  private static RegistryToken token(String password) {
    return RegistryToken.permanent(
        List.of(new RegistryAuth(SERVER, USERNAME, password)), Instant.now());
  }

  // --- helpers ---

  /** CPU time etcd and kube-apiserver have used so far. */
  private static long serverCpuMs(ControlPlane plane) {
    return plane.pids().stream().mapToLong(ProcessStats::cpuMillis).sum();
  }

  /** Waits until the credential's status is Ready with this many namespaces synced. */
  private static void awaitReady(KubernetesClient admin, int synced) throws InterruptedException {
    long deadline = System.nanoTime() + timeout(synced).toNanos();
    while (!CredentialChecks.ready(admin, CREDENTIAL, synced)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("status not Ready with " + synced + " namespaces synced");
      }
      Thread.sleep(250);
    }
    // What the operator does right after (a last status write) belongs to this window.
    Thread.sleep(2000);
  }

  private void checkRequestMetric(KubernetesClient admin) {
    String metrics = admin.raw(admin.getMasterUrl() + "metrics");
    Set<String> labels = new TreeSet<>();
    for (String line : metrics.split("\n")) {
      if (line.startsWith("apiserver_request_total{")) {
        Matcher m = Pattern.compile("(\\w+)=\"").matcher(line);
        while (m.find()) {
          labels.add(m.group(1));
        }
        break;
      }
    }
    boolean namesClient = labels.stream().anyMatch(l -> l.contains("client") || l.contains("user"));
    figures.line(
        "apiserver_request_total labels %s: %s, so the operator's requests are counted from the API"
            + " server's audit log by its ServiceAccount",
        labels,
        namesClient
            ? "one may name the client (this harness does not use it)"
            : "none names the client");
  }

  private void describeMachine(int concurrency) throws IOException {
    String cpu =
        Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
            .filter(l -> l.startsWith("model name"))
            .map(l -> l.substring(l.indexOf(':') + 1).trim())
            .findFirst()
            .orElse("unknown");
    Map<String, Object> machine = new LinkedHashMap<>();
    machine.put("cpus", Runtime.getRuntime().availableProcessors());
    machine.put("cpu", cpu);
    machine.put("kernel", System.getProperty("os.version"));
    machine.put("memoryMiB", memoryMiB());
    figures
        .put("namespaces", n)
        .put("writeConcurrency", concurrency)
        .put("operator", settings.payload() ? "payload" : "classes")
        .put("machine", machine);
  }

  private static long memoryMiB() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
      if (line.startsWith("MemTotal:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return 0;
  }

  private static String writes(AuditLog.Requests requests) {
    Map<String, Long> writes = new HashMap<>(requests.byVerb());
    writes.keySet().removeIf(k -> !isWrite(k));
    return new java.util.TreeMap<>(writes).toString();
  }

  private static boolean isWrite(String verbAndResource) {
    String verb = verbAndResource.substring(0, verbAndResource.indexOf(' '));
    return Set.of("create", "update", "patch", "delete", "deletecollection").contains(verb);
  }

  /** Nearest-rank percentile of sorted values. */
  static long percentile(List<Long> sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }

  private static Duration timeout(int namespaces) {
    return Duration.ofSeconds(60 + namespaces / 5);
  }

  private static List<String> names(String prefix, int count) {
    return IntStream.range(0, count).mapToObj(i -> String.format("%s%05d", prefix, i)).toList();
  }
}
