package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.regcred.DaemonThreads;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.RegistryCredentialStatus.PullFailure;
import io.regcred.metrics.OperatorMetrics;
import io.regcred.model.ImageReference;
import io.regcred.model.ManagedSecret;
import io.regcred.model.NamespaceView;
import io.regcred.model.PodPullState;
import io.regcred.model.PullDiagnosis;
import io.regcred.model.PullDiagnosis.CredentialFacts;
import io.regcred.model.PullDiagnosis.PodFacts;
import io.regcred.model.PullFailureLog;
import io.regcred.model.PullFailureMessage;
import io.regcred.model.PullKeyring;
import io.regcred.model.RegistryAuth;
import io.regcred.model.RegistryToken;
import io.regcred.model.StatusFactory;
import io.regcred.model.TargetSelection;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the kubelet's Events about failed pulls, and reports each pull a registry refused for
 * want of a login on the credentials whose registries serve the image, with the cause and its fix
 * ({@link PullDiagnosis}).
 *
 * <p>Only Events of Pods with reason {@code Failed} are watched (a field selector), from the moment
 * of the watch on, and none is kept: memory does not grow with the cluster's Events. Anyone who may
 * create Events could write one, so an Event only names a Pod to look at: a report needs that Pod
 * to exist with a container of that image that is not running, and says only what the Pod, the
 * caches and the credential show. Reports wait in a bounded queue (repeats collapse; each namespace
 * has a share; the overflow is dropped, and the kubelet's next retry reports it again) and Pods are
 * read one at a time, at most {@link #READS_PER_SECOND} a second.
 *
 * <p>As an event source of the controller it runs only while this replica leads; a report asks for
 * a reconcile of the credential, which writes it into {@code status.pullFailures}.
 */
final class PullFailureWatch extends AbstractEventSource<Void, ClusterRegistryCredential> {

  static final int QUEUE = 256;

  /** One namespace's share of the queue: a flood of Events in one cannot silence the others. */
  static final int QUEUED_PER_NAMESPACE = 16;

  static final int READS_PER_SECOND = 20;
  private static final Duration REWATCH_AFTER = Duration.ofSeconds(5);
  private static final Duration REWATCH_AT_MOST = Duration.ofMinutes(5);

  /** How often a Pod the kubelet has not written the pull's outcome into yet is looked at. */
  private static final int LOOKS = 5;

  private static final Duration LOOK_AGAIN = Duration.ofSeconds(1);

  /**
   * At most one pull-failure Event per credential, namespace and cause in this time: a namespace's
   * owner can make failing Pods at will, and each Event is an object in {@code default}. Status and
   * the metric still count every one.
   */
  static final Duration EVENT_EVERY = Duration.ofMinutes(10);

  private static final int EVENT_BUDGETS = 4096;

  private static final Logger log = LoggerFactory.getLogger(PullFailureWatch.class);

  /** A Pod and image that an Event says failed to pull. */
  private record Report(String namespace, String pod, String image) {}

  private final KubernetesClient client;
  private final Caches caches;
  private final IndexerResourceCache<ClusterRegistryCredential> credentials;
  private final Set<String> deniedNamespaces;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Clock clock;

  /** Each credential's registry servers, as the keys of the Secrets it writes. */
  private final Map<String, List<String>> servers = new ConcurrentHashMap<>();

  private final Map<String, List<PullFailure>> logs = new ConcurrentHashMap<>();
  private final BlockingQueue<Report> queue = new ArrayBlockingQueue<>(QUEUE);

  /** What waits in the queue, and how much of it per namespace; guarded by itself. */
  private final Set<Report> queued = new java.util.HashSet<>();

  private final Map<String, Integer> queuedPerNamespace = new java.util.HashMap<>();

  /** When each credential last told of a namespace's pull failures in an Event; bounded. */
  private final Map<String, java.time.Instant> lastEvent =
      java.util.Collections.synchronizedMap(
          new java.util.LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, java.time.Instant> eldest) {
              return size() > EVENT_BUDGETS;
            }
          });

  private ScheduledExecutorService threads;
  private Watch watch;
  private int failedWatches;

  PullFailureWatch(
      KubernetesClient client,
      Caches caches,
      IndexerResourceCache<ClusterRegistryCredential> credentials,
      Set<String> deniedNamespaces,
      EventRecorder events,
      OperatorMetrics metrics,
      Clock clock) {
    super(Void.class, "pull-failures");
    this.client = client;
    this.caches = caches;
    this.credentials = credentials;
    this.deniedNamespaces = deniedNamespaces;
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
  }

  @Override
  public Set<Void> getSecondaryResources(ClusterRegistryCredential primary) {
    return Set.of();
  }

  @Override
  public synchronized void start() {
    threads = Executors.newScheduledThreadPool(2, DaemonThreads.named("regcred-pull-failures"));
    threads.execute(this::work);
    super.start();
    // Before the controller's first reconcile: a Pod failing from then on is seen.
    watch();
  }

  @Override
  public synchronized void stop() {
    super.stop();
    if (watch != null) {
      watch.close();
      watch = null;
    }
    if (threads != null) {
      threads.shutdownNow();
    }
  }

  /** The credential's current token: its servers are the registries it serves. */
  void serving(String credential, RegistryToken token) {
    servers.put(credential, token.auths().stream().map(RegistryAuth::server).toList());
  }

  /**
   * The credential's pull failures for its status: what was reported since start-up, or, before any
   * report, what its status already held.
   */
  List<PullFailure> log(String credential, List<PullFailure> inStatus) {
    List<PullFailure> log = logs.get(credential);
    return log != null ? log : inStatus;
  }

  void forget(String credential) {
    servers.remove(credential);
    logs.remove(credential);
  }

  /** From now on: the kubelet repeats a failing pull's Event with each retry. */
  private synchronized void watch() {
    if (!isRunning()) {
      return;
    }
    var failed =
        client
            .v1()
            .events()
            .inAnyNamespace()
            .withField("involvedObject.kind", "Pod")
            .withField("reason", "Failed");
    try {
      String from =
          failed
              .list(new ListOptionsBuilder().withLimit(1L).build())
              .getMetadata()
              .getResourceVersion();
      watch =
          failed.watch(
              new ListOptionsBuilder()
                  .withResourceVersion(from)
                  .withAllowWatchBookmarks(true)
                  .build(),
              new Watcher<Event>() {
                @Override
                public void eventReceived(Action action, Event event) {
                  if (action == Action.ADDED || action == Action.MODIFIED) {
                    offer(event);
                  }
                }

                @Override
                public void onClose(WatcherException cause) {
                  // Too old a resourceVersion, or the watch failed for good: start from now.
                  log.info("pull-failure watch closed ({}); watching again", cause.getMessage());
                  rewatch();
                }
              });
      failedWatches = 0;
    } catch (RuntimeException e) {
      failedWatches++;
      log.warn(
          "cannot watch pull-failure Events ({}); pull failures are not reported until it can:"
              + " the operator's ClusterRole needs list and watch on events",
          e instanceof KubernetesClientException k
              ? "HTTP " + k.getCode()
              : e.getClass().getSimpleName());
      rewatch();
    }
  }

  /** Again from now, backing off while it keeps failing (a missing grant, an API server away). */
  private synchronized void rewatch() {
    if (isRunning() && !threads.isShutdown()) {
      long delay =
          Math.min(
              REWATCH_AFTER.toMillis() << Math.min(failedWatches, 6), REWATCH_AT_MOST.toMillis());
      threads.schedule(this::watch, delay, TimeUnit.MILLISECONDS);
    }
  }

  private void offer(Event event) {
    var pod = event.getInvolvedObject();
    if (pod == null
        || event.getMetadata() == null
        || !PodPullState.plausible(
            event.getMetadata().getNamespace(), pod.getNamespace(), pod.getName())) {
      return;
    }
    PullFailureMessage.refusedImage(event.getMessage())
        .map(image -> new Report(pod.getNamespace(), pod.getName(), image))
        .ifPresent(this::enqueue);
  }

  /**
   * Queues a report unless the same one waits already (the kubelet repeats itself); drops it when
   * the queue or the namespace's share is full: the kubelet reports a failing pull again with its
   * next retry.
   */
  private void enqueue(Report report) {
    synchronized (queued) {
      if (queued.contains(report)) {
        return;
      }
      int share = queuedPerNamespace.getOrDefault(report.namespace(), 0);
      if (share >= QUEUED_PER_NAMESPACE || !queue.offer(report)) {
        metrics.pullFailureReportDropped();
        return;
      }
      queued.add(report);
      queuedPerNamespace.put(report.namespace(), share + 1);
    }
  }

  private void dequeued(Report report) {
    synchronized (queued) {
      queued.remove(report);
      queuedPerNamespace.computeIfPresent(report.namespace(), (ns, n) -> n > 1 ? n - 1 : null);
    }
  }

  private void work() {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Report report = queue.take();
        dequeued(report);
        handle(report, 1);
        Thread.sleep(1000 / READS_PER_SECOND);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        // One odd Pod must not end the reporting; the message could quote the Pod, so only the
        // error's kind is logged.
        log.warn("pull-failure report failed error={}", e.getClass().getName());
      }
    }
  }

  /** One report at a time: the worker's, or a look again at a Pod the kubelet had not written. */
  private final Object handling = new Object();

  private void handle(Report report, int look) {
    synchronized (handling) {
      report(report, look);
    }
  }

  private void report(Report report, int look) {
    Optional<ImageReference> image = ImageReference.parse(report.image());
    if (image.isEmpty()) {
      return;
    }
    List<ClusterRegistryCredential> serving =
        credentials
            .list()
            .filter(
                c -> {
                  List<String> keys = servers.get(c.getMetadata().getName());
                  return keys != null && PullKeyring.covers(keys, image.get());
                })
            .toList();
    if (serving.isEmpty()) {
      return;
    }
    Pod pod;
    try {
      pod = client.pods().inNamespace(report.namespace()).withName(report.pod()).get();
    } catch (KubernetesClientException e) {
      log.warn(
          "cannot read Pod namespace={} pod={} (HTTP {}); its pull failure is not reported",
          report.namespace(),
          report.pod(),
          e.getCode());
      return;
    }
    switch (PodPullState.of(pod, report.image())) {
      case FAILING -> {}
      case UNSETTLED -> {
        if (look < LOOKS) {
          threads.schedule(
              () -> handle(report, look + 1), LOOK_AGAIN.toMillis(), TimeUnit.MILLISECONDS);
        }
        return;
      }
      case NOT_FAILING -> {
        return;
      }
    }
    PodFacts facts = podFacts(pod);
    List<CredentialFacts> found = serving.stream().map(c -> credentialFacts(c, facts)).toList();
    java.time.Instant now = clock.instant();
    for (var finding : PullDiagnosis.diagnose(facts, report.image(), found)) {
      Optional<ClusterRegistryCredential> credential =
          serving.stream()
              .filter(c -> c.getMetadata().getName().equals(finding.credential()))
              .findFirst();
      if (credential.isEmpty()) {
        continue;
      }
      PullFailure failure =
          new PullFailure(
              facts.namespace(),
              facts.name(),
              report.image(),
              finding.cause().name(),
              finding.message(),
              StatusFactory.format(now));
      String name = finding.credential();
      if (!servers.containsKey(name)) {
        continue; // deleted meanwhile
      }
      List<PullFailure> before =
          logs.getOrDefault(
              name,
              Optional.ofNullable(credential.get().getStatus())
                  .map(s -> s.getPullFailures())
                  .orElse(List.of()));
      List<PullFailure> after = PullFailureLog.add(before, failure, now);
      if (after == before) {
        continue; // a repeat the status already shows
      }
      logs.put(name, after);
      if (PullFailureLog.isNews(before, failure)) {
        log.info(
            "pull failure credential={} namespace={} pod={} cause={}",
            name,
            facts.namespace(),
            facts.name(),
            finding.cause());
        metrics.pullFailure(name, finding.cause().name());
        if (eventDue(name, facts.namespace(), finding.cause().name(), now)) {
          events.warning(credential.get(), finding.cause().name(), finding.message());
        }
      }
      getEventHandler()
          .handleEvent(
              new io.javaoperatorsdk.operator.processing.event.Event(new ResourceID(name)));
    }
  }

  /** Whether the credential may tell of this namespace's pull failures of a cause in an Event. */
  private boolean eventDue(
      String credential, String namespace, String cause, java.time.Instant now) {
    String key = credential + "/" + namespace + "/" + cause;
    synchronized (lastEvent) {
      java.time.Instant last = lastEvent.get(key);
      if (last != null && last.plus(EVENT_EVERY).isAfter(now)) {
        return false;
      }
      lastEvent.put(key, now);
      return true;
    }
  }

  private static PodFacts podFacts(Pod pod) {
    var spec = pod.getSpec();
    String account =
        spec.getServiceAccountName() == null || spec.getServiceAccountName().isEmpty()
            ? "default"
            : spec.getServiceAccountName();
    List<String> secrets =
        Optional.ofNullable(spec.getImagePullSecrets()).orElse(List.of()).stream()
            .map(LocalObjectReference::getName)
            .filter(n -> n != null)
            .toList();
    return new PodFacts(
        pod.getMetadata().getNamespace(), pod.getMetadata().getName(), account, secrets);
  }

  private CredentialFacts credentialFacts(ClusterRegistryCredential credential, PodFacts pod) {
    String secretName = credential.targetSecretName();
    boolean targets =
        caches
            .namespace(pod.namespace())
            .map(NamespaceView::of)
            .map(ns -> TargetSelection.targets(credential, ns, deniedNamespaces))
            .orElse(false);
    Optional<ServiceAccount> account =
        caches.serviceAccounts(pod.namespace()).stream()
            .filter(sa -> pod.serviceAccount().equals(sa.getMetadata().getName()))
            .findFirst();
    boolean selected =
        TargetSelection.serviceAccountSelected(
            Optional.ofNullable(credential.getSpec().getTarget())
                .map(t -> t.getServiceAccounts())
                .orElse(null),
            pod.serviceAccount(),
            account.map(sa -> sa.getMetadata().getLabels()).orElse(Map.of()));
    boolean listed =
        account
            .map(ServiceAccount::getImagePullSecrets)
            .map(list -> list.stream().anyMatch(r -> secretName.equals(r.getName())))
            .orElse(false);
    boolean written =
        caches
            .managedSecret(pod.namespace(), secretName)
            .map(s -> ManagedSecret.claim(s, credential) == ManagedSecret.Claim.OURS)
            .orElse(false);
    return new CredentialFacts(
        credential.getMetadata().getName(), secretName, targets, selected, listed, written);
  }
}
