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
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.config.OperatorConfig;
import io.regcred.config.OperatorConfig.Setting;
import io.regcred.it.ControlPlane;
import io.regcred.it.CredentialChecks;
import io.regcred.it.Fixtures;
import io.regcred.model.DockerConfigJson;
import io.regcred.model.ManagedSecret;
import io.regcred.model.RegistryAuth;
import io.regcred.model.RegistryToken;
import io.regcred.provider.ecr.FakeAws;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
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
   * @param onboarding namespaces then created one by one, at idle and again during rotations
   * @param restartWindow how long the operator's requests are counted after a restart
   * @param cloudRotations rotations of the cloud credential counted
   * @param unrelatedSecrets small Secrets without labels added for the memory figures
   * @param tenantSecrets Secrets of 1 MiB labelled as the operator's added after those
   * @param writeConcurrency the operator's write pool and the baseline's; empty: the operator's
   *     default
   * @param payload the operator from the runtime payload (as shipped), else from target/classes
   */
  record Settings(
      int namespaces,
      int onboarding,
      Duration restartWindow,
      int cloudRotations,
      int unrelatedSecrets,
      int tenantSecrets,
      OptionalInt writeConcurrency,
      boolean payload) {

    /** These, as {@code -Dregcred.bench.*} properties change them. */
    Settings withProperties() {
      Integer concurrency = Integer.getInteger("regcred.bench.writeConcurrency");
      return new Settings(
          Integer.getInteger("regcred.bench.namespaces", namespaces),
          Integer.getInteger("regcred.bench.onboarding", onboarding),
          Duration.ofSeconds(
              Long.getLong("regcred.bench.restartWindowSeconds", restartWindow.toSeconds())),
          Integer.getInteger("regcred.bench.cloudRotations", cloudRotations),
          Integer.getInteger("regcred.bench.unrelatedSecrets", unrelatedSecrets),
          Integer.getInteger("regcred.bench.tenantSecrets", tenantSecrets),
          concurrency == null ? writeConcurrency : OptionalInt.of(concurrency),
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

  /** How long each part of the run took, for planning runs, not a figure of the operator. */
  private final Map<String, Double> phaseSeconds = new LinkedHashMap<>();

  private long phaseStart = System.nanoTime();

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
      phaseDone("start");
      Fixtures.inParallel(16, targets, ns -> labelledNamespace(admin, ns));
      phaseDone("setUp");
      figures.line(
          "set-up: %d namespaces with a default ServiceAccount in %.1f s",
          n, phaseSeconds.get("setUp"));

      try (Convergence seen = new Convergence(admin, CREDENTIAL, CREDENTIAL)) {
        Baseline baseline = baseline(plane, admin, audit, seen, targets, concurrency);
        phaseDone("baseline");
        operator(plane, kubeconfig, admin, audit, seen, targets, baseline);
      }
    }
    figures.put("phaseSeconds", phaseSeconds);
    figures.lines(Goals.table(figures.values()));
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
    ClusterRegistryCredential shape = credential().uid(UUID.randomUUID().toString()).build();
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
      List<String> targets,
      Baseline baseline)
      throws Exception {
    Path log = OUTPUT.resolve("operator-" + n + ".log");
    Files.deleteIfExists(log);
    try (FakeAws aws = CloudPhase.startFake(admin, OPERATOR_NS)) {
      Started operator = startOperator(kubeconfig, log, aws);
      try {
        figures.put("readyMs", operator.readyMs());
        long pid = operator.process().pid();
        Phases phases = new Phases(plane, admin, audit, seen, pid, baseline);
        phaseDone("operatorStart");

        FanOut cold = phases.fanOut(targets, "pw-1");
        long rss = ProcessStats.rssKib(pid) / 1024;
        long threads = ProcessStats.threads(pid);
        figures.ratio(
            "fanoutTimeRatio", "fan-out (Secret + SA entry)", cold.ms(), baseline.fanOutMs());
        figures
            .put("fanoutMs", cold.ms())
            .put("baselineFanoutMs", baseline.fanOutMs())
            .put("serverCpuMsFanout", cold.serverCpuMs())
            .put("baselineServerCpuMsFanout", baseline.fanOut().fanOutServerCpuMs())
            .put("baselineWriterCpuMsFanout", baseline.fanOut().fanOutWriterCpuMs())
            .put("cpuMsPerNamespace", round((double) cold.operatorCpuMs() / n))
            .put("operatorCpuMsFanout", cold.operatorCpuMs())
            .put("rssMiB", rss)
            .put("threads", threads)
            .put("fanoutWrites", cold.requests().writes())
            .put("fanoutRequests", cold.requests().byVerb());
        phaseDone("fanOut");

        long rotationMs = phases.rotation(targets);
        phaseDone("rotation");
        phases.warmFanOut(targets);
        phaseDone("deleteAndWarmFanOut");

        List<String> idle = names("bench-new-", settings.onboarding());
        phases.onboardingIdle(targets, idle);
        phaseDone("onboardingIdle");
        List<String> existing = concat(targets, idle);
        List<String> underRotation = names("bench-busy-", settings.onboarding());
        phases.onboardingUnderRotation(existing, underRotation);
        phaseDone("onboardingUnderRotation");
        List<String> all = concat(existing, underRotation);

        audit.drain();
        new CloudPhase(admin, aws, figures)
            .run(
                all,
                settings.cloudRotations(),
                (long) figures.values().get("fanoutWarmMs"),
                rotationMs,
                timeout(all.size()),
                ns -> labelledNamespace(admin, ns));
        awaitReady(admin, CREDENTIAL, all.size());
        seen.awaitAll(all, timeout(all.size())); // the static credential as it was
        figures.put("cloudPhaseRequests", audit.drain().of(OPERATOR_USER).byVerb());
        phaseDone("cloud");

        new SecretsMemory(admin, figures)
            .run(pid, all, settings.unrelatedSecrets(), settings.tenantSecrets());
        AuditLog.Requests memory = audit.drain().of(OPERATOR_USER);
        figures
            .put("memoryPhaseWrites", memory.writes())
            .put("memoryPhaseRequests", memory.byVerb());
        phaseDone("memory");

        // Restart: stopped as a rollout stops it, started again with everything in place, once
        // the deletions above are through: the API server sends each of them (500 MB of JSON for
        // the large Secrets) to this JVM's watches too, and on two cores that work would be
        // measured as the operator's start.
        figures.put(
            "restartQuietWaitMs",
            ProcessStats.awaitIdle(
                concat(plane.pids(), List.of(ProcessHandle.current().pid(), pid)),
                QUIET_CPU_MS_PER_SECOND,
                Duration.ZERO,
                Duration.ofSeconds(60)));
        stop(operator.process());
        audit.drain();
        operator = startOperator(kubeconfig, log, aws);
        figures.put("restartReadyMs", operator.readyMs());
        Thread.sleep(Math.max(0, settings.restartWindow().toMillis() - operator.readyMs()));
        AuditLog.Requests restart = audit.drain().of(OPERATOR_USER);
        seen.awaitAll(all, Duration.ofSeconds(1)); // still converged
        figures
            .put("restartWindowSeconds", settings.restartWindow().toSeconds())
            .put("restartWrites", restart.writes())
            .put("rssAfterRestartMiB", ProcessStats.rssKib(operator.process().pid()) / 1024)
            .put("restartRequests", restart.byVerb());
        phaseDone("restart");

        figures
            .line(
                "operator CPU during fan-out         %d ms, %.2f ms per namespace (rotation %d"
                    + " ms); the raw writer's JVM %d ms",
                cold.operatorCpuMs(),
                (double) cold.operatorCpuMs() / n,
                figures.values().get("operatorCpuMsRotation"),
                baseline.fanOut().fanOutWriterCpuMs())
            .line(
                "API server + etcd CPU               fan-out %d ms (baseline %d ms), rotation %d"
                    + " ms (baseline %d ms)",
                cold.serverCpuMs(),
                baseline.fanOut().fanOutServerCpuMs(),
                figures.values().get("serverCpuMsRotation"),
                baseline.rotation().rotationServerCpuMs())
            .line(
                "operator RSS                        %d MiB after fan-out (%d threads), %d MiB after"
                    + " onboarding, %d MiB at the end of the restart window",
                rss,
                threads,
                figures.values().get("rssAfterOnboardingMiB"),
                figures.values().get("rssAfterRestartMiB"))
            .line(
                "ready (JVM start to /readyz 200)    %d ms; after a restart with the credential"
                    + " converged %d ms",
                figures.values().get("readyMs"), operator.readyMs())
            .line(
                "operator writes during fan-out      %d: %s",
                cold.requests().writes(), writes(cold.requests()))
            .line(
                "operator writes in %d s after restart %d: %s",
                settings.restartWindow().toSeconds(), restart.writes(), writes(restart));
      } finally {
        stop(operator.process());
      }
    }
  }

  /**
   * The API server, etcd, this JVM and the operator together, when nothing is going on: less CPU
   * than this in a second (their background work is well under it).
   */
  static final long QUIET_CPU_MS_PER_SECOND = 200;

  /**
   * During rotations, the next namespace is created at the latest this long after the one before.
   */
  static final Duration NEXT_ONBOARDING_AFTER = Duration.ofSeconds(1);

  /** A fan-out: its time, the CPU it cost the operator and the API server, its requests. */
  record FanOut(long ms, long serverCpuMs, long operatorCpuMs, AuditLog.Requests requests) {}

  /** The phases that run on one operator process, each writing its figures. */
  private final class Phases {
    private final ControlPlane plane;
    private final KubernetesClient admin;
    private final AuditLog audit;
    private final Convergence seen;
    private final long pid;
    private final Baseline baseline;

    Phases(
        ControlPlane plane,
        KubernetesClient admin,
        AuditLog audit,
        Convergence seen,
        long pid,
        Baseline baseline) {
      this.plane = plane;
      this.admin = admin;
      this.audit = audit;
      this.seen = seen;
      this.pid = pid;
      this.baseline = baseline;
    }

    /**
     * The credential is created on the running operator; the time runs until every namespace has
     * the Secret for this password and the entry, the CPU until its status is Ready (and 2 s).
     */
    FanOut fanOut(List<String> targets, String password) throws Exception {
      seen.expect(contentHash(password));
      audit.drain();
      long cpu = ProcessStats.cpuMillis(pid);
      long serverCpu = serverCpuMs(plane);
      long start = System.nanoTime();
      admin.resource(credential().build()).create();
      long ms = (seen.awaitAll(targets, timeout(n)) - start) / 1_000_000;
      long serverCpuMs = serverCpuMs(plane) - serverCpu;
      awaitReady(admin, CREDENTIAL, n);
      long cpuMs = ProcessStats.cpuMillis(pid) - cpu;
      return new FanOut(ms, serverCpuMs, cpuMs, audit.drain().of(OPERATOR_USER));
    }

    /** The source Secret's password changes; returns the time until every namespace has it. */
    long rotation(List<String> targets) throws Exception {
      seen.expect(contentHash("pw-2"));
      audit.drain();
      long cpu = ProcessStats.cpuMillis(pid);
      long serverCpu = serverCpuMs(plane);
      long start = System.nanoTime();
      changePassword(admin, "pw-2");
      long rotationMs = (seen.awaitAll(targets, timeout(n)) - start) / 1_000_000;
      long rotationServerCpu = serverCpuMs(plane) - serverCpu;
      awaitReady(admin, CREDENTIAL, n);
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
          .put("rotationRequests", rotation.byVerb())
          .line("operator writes during rotation     %d: %s", rotation.writes(), writes(rotation));
      return rotationMs;
    }

    /**
     * The credential is deleted, its clean-up awaited (every Secret gone, every entry removed, the
     * finalizer released), and it is created again on the same, now warm, process.
     */
    void warmFanOut(List<String> targets) throws Exception {
      audit.drain();
      long start = System.nanoTime();
      admin.resources(ClusterRegistryCredential.class).withName(CREDENTIAL).delete();
      seen.awaitGone(targets, timeout(n));
      long deadline = System.nanoTime() + timeout(n).toNanos();
      while (admin.resources(ClusterRegistryCredential.class).withName(CREDENTIAL).get() != null) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the credential was not deleted within " + timeout(n));
        }
        Thread.sleep(50);
      }
      long cleanupMs = (System.nanoTime() - start) / 1_000_000;
      AuditLog.Requests cleanup = audit.drain().of(OPERATOR_USER);

      FanOut warm = fanOut(targets, "pw-2");
      figures.ratio("fanoutWarmTimeRatio", "fan-out again, warm", warm.ms(), baseline.fanOutMs());
      figures
          .put("fanoutWarmMs", warm.ms())
          .put("serverCpuMsFanoutWarm", warm.serverCpuMs())
          .put("cpuMsPerNamespaceWarm", round((double) warm.operatorCpuMs() / n))
          .put("operatorCpuMsFanoutWarm", warm.operatorCpuMs())
          .put("fanoutWarmWrites", warm.requests().writes())
          .put("fanoutWarmRequests", warm.requests().byVerb())
          .put("cleanupMs", cleanupMs)
          .put("cleanupWrites", cleanup.writes())
          .put("cleanupRequests", cleanup.byVerb())
          .line(
              "clean-up on delete                  %d ms, %d writes: %s",
              cleanupMs, cleanup.writes(), writes(cleanup))
          .line(
              "operator CPU during warm fan-out    %d ms, %.2f ms per namespace",
              warm.operatorCpuMs(), (double) warm.operatorCpuMs() / n);
    }

    /** Namespaces created one after the other, each waited for, 100 ms apart. */
    void onboardingIdle(List<String> targets, List<String> newcomers) throws Exception {
      audit.drain();
      long window = System.nanoTime();
      List<Long> latencies = new ArrayList<>();
      for (String ns : newcomers) {
        long start = System.nanoTime();
        labelledNamespace(admin, ns);
        latencies.add((seen.awaitAll(List.of(ns), timeout(n)) - start) / 1_000_000);
        Thread.sleep(100);
      }
      awaitReady(admin, CREDENTIAL, targets.size() + newcomers.size());
      AuditLog.Requests onboarding = audit.drain().of(OPERATOR_USER);
      double seconds = (System.nanoTime() - window) / 1e9;
      Latencies idle = Latencies.of(latencies);
      long statusWrites =
          onboarding.all().stream()
              .filter(r -> r.write() && r.resource().equals("clusterregistrycredentials/status"))
              .count();
      figures
          .put("onboardingIdleP50Ms", idle.p50())
          .put("onboardingIdleP99Ms", idle.p99())
          .put("onboardingIdleMaxMs", idle.max())
          .put("onboardingNamespaces", newcomers.size())
          .put("writesPerOnboarding", round((double) onboarding.writes() / newcomers.size()))
          .put(
              "objectWritesPerOnboarding",
              round((double) (onboarding.writes() - statusWrites) / newcomers.size()))
          .put("onboardingStatusWritesPerSecond", round(statusWrites / seconds))
          .put("onboardingRequests", onboarding.byVerb())
          .put("rssAfterOnboardingMiB", ProcessStats.rssKib(pid) / 1024)
          .line(
              "onboarding at idle (%d, one by one) p50 %d ms   p99 %d ms   max %d ms",
              newcomers.size(), idle.p50(), idle.p99(), idle.max())
          .line(
              "operator writes per onboarding      %.2f: %s (status %.2f per second)",
              (double) onboarding.writes() / newcomers.size(),
              writes(onboarding),
              statusWrites / seconds);
    }

    /**
     * Namespaces created one after the other, as at idle, while the source's password changes again
     * and again: each rotation starts as soon as the one before has reached every namespace that
     * existed before this phase. A newcomer is done once it has the Secret of the rotation in
     * flight when it was created, or of a later one, and the entry; only newcomers created while a
     * rotation was in flight (from just before the source's update to the event that completed its
     * last namespace) count. The next namespace is created 100 ms after the one before is done, as
     * at idle, or 1 s after it was created (the goal) if it is not done by then, so that a slow
     * operator does not stretch the phase; each latency comes from its own namespace's events
     * either way, and rotations go on until every newcomer is done.
     */
    void onboardingUnderRotation(List<String> existing, List<String> newcomers) throws Exception {
      record InFlight(long start, long end) {}
      record Onboarded(long start, long latencyMs) {}
      List<InFlight> rotations = new CopyOnWriteArrayList<>();
      AtomicInteger password = new AtomicInteger(2);
      Map<String, Long> created = new LinkedHashMap<>();
      List<Onboarded> onboarded = new ArrayList<>();
      audit.drain();
      try (Repeating rotating =
          Repeating.start(
              "rotations",
              () -> {
                String next = "pw-" + password.incrementAndGet();
                long start = seen.expect(contentHash(next));
                changePassword(admin, next);
                rotations.add(
                    new InFlight(start, seen.awaitAll(existing, timeout(existing.size()))));
              })) {
        for (String ns : newcomers) {
          rotating.check();
          created.put(ns, seen.pin(ns));
          labelledNamespace(admin, ns);
          try {
            seen.awaitAll(List.of(ns), NEXT_ONBOARDING_AFTER);
          } catch (TimeoutException e) {
            // still waited for below; the next one is created meanwhile
          }
          Thread.sleep(100);
        }
        for (var ns : created.entrySet()) {
          long done = seen.awaitAll(List.of(ns.getKey()), timeout(n));
          onboarded.add(new Onboarded(ns.getValue(), (done - ns.getValue()) / 1_000_000));
        }
        rotating.stop();
      }
      seen.unpinAll();
      List<String> all = concat(existing, newcomers);
      seen.awaitAll(all, timeout(all.size())); // every namespace has the last rotation's content
      awaitReady(admin, CREDENTIAL, all.size());
      AuditLog.Requests requests = audit.drain().of(OPERATOR_USER);
      List<Long> counted =
          onboarded.stream()
              .filter(
                  o ->
                      rotations.stream()
                          .anyMatch(r -> r.start() <= o.start() && o.start() <= r.end()))
              .map(Onboarded::latencyMs)
              .toList();
      List<Long> rotationMs =
          rotations.stream().map(r -> (r.end() - r.start()) / 1_000_000).toList();
      figures
          .put("onboardingUnderRotationNamespaces", newcomers.size())
          .put("onboardingUnderRotationCounted", counted.size())
          .put("rotationsDuringOnboarding", rotations.size())
          .put("rotationDuringOnboardingMs", rotationMs)
          .put("onboardingUnderRotationRequests", requests.byVerb());
      if (counted.isEmpty()) {
        figures.line(
            "onboarding during rotations: none of %d started during one", newcomers.size());
        return;
      }
      Latencies busy = Latencies.of(counted);
      figures
          .put("onboardingUnderRotationP50Ms", busy.p50())
          .put("onboardingUnderRotationP99Ms", busy.p99())
          .put("onboardingUnderRotationMaxMs", busy.max())
          .line(
              "onboarding during rotations (%d of %d) p50 %d ms   p99 %d ms   max %d ms; %d"
                  + " rotations of %d namespaces back to back, %s ms",
              counted.size(),
              newcomers.size(),
              busy.p50(),
              busy.p99(),
              busy.max(),
              rotations.size(),
              existing.size(),
              rotationMs);
    }
  }

  /** Nearest-rank percentiles of latencies in ms. */
  record Latencies(long p50, long p99, long max) {
    static Latencies of(List<Long> latencies) {
      List<Long> sorted = latencies.stream().sorted().toList();
      return new Latencies(
          percentile(sorted, 50), percentile(sorted, 99), sorted.get(sorted.size() - 1));
    }
  }

  private void phaseDone(String phase) {
    long now = System.nanoTime();
    phaseSeconds.put(phase, Math.round((now - phaseStart) / 1e8) / 10.0);
    phaseStart = now;
  }

  // --- the operator process ---

  record Started(Process process, long readyMs) {}

  private Started startOperator(Path kubeconfig, Path log, FakeAws aws) throws Exception {
    int port = Ports.freeLoopbackPort();
    Map<String, String> env = new LinkedHashMap<>();
    env.put(Setting.NAMESPACE.variable(), OPERATOR_NS);
    env.put(Setting.AWS_ECR_ENDPOINT.variable(), aws.uri().toString());
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
      ClusterRegistryCredential credential, List<String> namespaces, String password) {
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
  private static void awaitReady(KubernetesClient admin, String credential, int synced)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout(synced).toNanos();
    while (!CredentialChecks.ready(admin, credential, synced)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            credential + ": status not Ready with " + synced + " namespaces synced");
      }
      Thread.sleep(250);
    }
    // What the operator does right after (a last status write) belongs to this window.
    Thread.sleep(2000);
  }

  /** The source Secret gets this password. */
  private static void changePassword(KubernetesClient admin, String password) {
    admin
        .secrets()
        .inNamespace(OPERATOR_NS)
        .withName(SOURCE)
        .edit(s -> new SecretBuilder(s).withStringData(Map.of("password", password)).build());
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

  private static <T> List<T> concat(List<T> first, List<T> second) {
    return Stream.concat(first.stream(), second.stream()).toList();
  }

  private static List<String> names(String prefix, int count) {
    return IntStream.range(0, count).mapToObj(i -> String.format("%s%05d", prefix, i)).toList();
  }
}
