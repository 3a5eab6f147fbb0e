package io.regcred;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.regcred.config.OperatorConfig;
import io.regcred.health.HealthServer;
import io.regcred.metrics.OperatorMetrics;
import io.regcred.model.Timebase;
import io.regcred.provider.Providers;
import io.regcred.provider.SourceSecrets;
import io.regcred.provider.TokenProvider;
import io.regcred.provider.tenant.TenantSources;
import io.regcred.provider.verify.HandshakeCheck;
import io.regcred.reconciler.ClusterRegistryCredentialReconciler;
import io.regcred.reconciler.EventRecorder;
import io.regcred.reconciler.NamespacedTriggers;
import io.regcred.reconciler.RegistryCredentialReconciler;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires configuration, client, operator and health endpoints, and runs until stopped. */
public final class OperatorMain implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(OperatorMain.class);

  /** Verifications waiting for the two verify threads, at most. */
  static final int VERIFY_QUEUE = 256;

  private final Operator operator;
  private final ExecutorService fanOut;
  private final ExecutorService verifyPool;
  private final HealthServer health;
  private final OperatorMetrics metrics;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final AtomicBoolean leading = new AtomicBoolean();

  public OperatorMain(OperatorConfig config, KubernetesClient client, Clock clock) {
    this(config, client, clock, Providers.of(config, clock));
  }

  /** With the given token providers (tests point real SDKs at local fakes this way). */
  public OperatorMain(
      OperatorConfig config,
      KubernetesClient client,
      Clock clock,
      Function<SourceSecrets, List<TokenProvider>> providers) {
    this(config, client, Timebase.of(clock), providers);
  }

  /**
   * With the given time (tests simulate days in seconds this way: the providers then read the same
   * clock) and token providers.
   */
  public OperatorMain(
      OperatorConfig config,
      KubernetesClient client,
      Timebase timebase,
      Function<SourceSecrets, List<TokenProvider>> providers) {
    Clock clock = timebase.clock();
    this.metrics = new OperatorMetrics(clock);
    // Each credential's pass keeps up to writeThreads namespaces in flight, and up to
    // reconcileThreads credentials pass at once: one large credential never holds up the others.
    // Idle threads go after a minute.
    int writers = config.writeThreads() * config.reconcileThreads();
    var pool =
        new ThreadPoolExecutor(
            writers,
            writers,
            1,
            TimeUnit.MINUTES,
            new LinkedBlockingQueue<>(),
            DaemonThreads.named("regcred-write"));
    pool.allowCoreThreadTimeOut(true);
    this.fanOut = pool;
    // Login handshakes with registries wait on the network, never on the CPU: two threads serve
    // all credentials, and a slow registry holds up only other verifications.
    // Its queue is bounded: each credential has at most one verification waiting or running
    // (Verifications), and beyond this many credentials at once the rest are tried again shortly.
    this.verifyPool =
        new ThreadPoolExecutor(
            2,
            2,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(VERIFY_QUEUE),
            DaemonThreads.named("regcred-verify"));
    this.operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(metrics.registry()))
                  .withConcurrentReconciliationThreads(config.reconcileThreads())
                  .withCloseClientOnStop(false);
              if (config.leaderElection()) {
                o.withLeaderElectionConfiguration(leaderElection(config));
              }
            });
    var events = new EventRecorder(client, clock);
    var namespacedTriggers = new NamespacedTriggers();
    var reconciler =
        new ClusterRegistryCredentialReconciler(
            providers,
            events,
            metrics,
            timebase,
            fanOut,
            HandshakeCheck.standard(),
            verifyPool,
            namespacedTriggers,
            config);
    operator.register(reconciler);
    // Registered second: it reads the caches the cluster kind's reconciler has just made.
    Set<String> closedToTenants = new HashSet<>(config.deniedNamespaces());
    closedToTenants.add(config.namespace());
    closedToTenants.add(config.sourceNamespace());
    // The system's own namespaces stay closed to tenants even where the cluster kind may write.
    closedToTenants.addAll(List.of("kube-system", "kube-public", "kube-node-lease"));
    operator.register(
        new RegistryCredentialReconciler(
            new TenantSources(client, providers),
            reconciler::view,
            namespacedTriggers,
            events,
            metrics,
            timebase,
            closedToTenants,
            // A tenant names the registry: its handshake reaches only public addresses and the
            // operator's list, never the operator's own network for them.
            HandshakeCheck.publicOnly(config.tenantVerifyAllowed()),
            verifyPool,
            config.namespace()));
    this.health =
        config.httpPort() > 0
            ? new HealthServer(
                config.httpPort(),
                operator,
                metrics,
                () -> !config.leaderElection() || leading.get())
            : null;
  }

  /**
   * A Lease in the operator's namespace. Losing it while running exits the process, so two replicas
   * never both write; a shutdown in progress does not count as losing it.
   */
  private LeaderElectionConfiguration leaderElection(OperatorConfig config) {
    var callbacks =
        new LeaderCallbacks(
            () -> {
              leading.set(true);
              log.info("became leader lease={}", config.leaseName());
            },
            () -> {
              leading.set(false);
              if (!stopping.get()) {
                log.error(
                    "lost leadership lease={}; exiting so a fresh process can rejoin",
                    config.leaseName());
                System.exit(1);
              }
            },
            leader -> log.info("leader is {} lease={}", leader, config.leaseName()));
    return new LeaderElectionConfiguration(
        config.leaseName(),
        config.namespace(),
        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
        config.leaderIdentity(),
        callbacks,
        false);
  }

  /** The framework's operator, for tests and embedding (its controllers' caches and health). */
  public Operator operator() {
    return operator;
  }

  /** The metrics registry, for tests and embedding. */
  public OperatorMetrics metrics() {
    return metrics;
  }

  public void start() {
    operator.start();
    if (health != null) {
      health.start();
    }
  }

  @Override
  public void close() {
    stopping.set(true);
    if (health != null) {
      health.stop();
    }
    operator.stop();
    fanOut.shutdownNow();
    verifyPool.shutdownNow();
  }

  public static void main(String[] args) {
    OperatorConfig config;
    try {
      // Every setting, the operator's and the providers', is checked before anything starts.
      config = OperatorConfig.fromEnv(System.getenv());
    } catch (OperatorConfig.InvalidConfigurationException e) {
      log.error(e.getMessage());
      System.exit(2);
      return;
    }
    KubernetesClient client = KubernetesClients.create();
    var main = new OperatorMain(config, client, Clock.systemUTC());
    Runtime.getRuntime().addShutdownHook(new Thread(main::close, "regcred-shutdown"));
    log.info(
        "starting regcred-operator namespace={} sourceNamespace={} leaderElection={} jvmUptimeMs={}",
        config.namespace(),
        config.sourceNamespace(),
        config.leaderElection(),
        java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime());
    main.start();
    // Start-up time is part of a rollout's and a failover's; the JVM's own share shows here.
    log.info(
        "started in {} ms (JVM start to caches synced)",
        java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime());
  }
}
