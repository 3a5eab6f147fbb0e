package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.DeletionPolicy;
import io.regcred.api.v1alpha1.RegistryCredentialStatus;
import io.regcred.api.v1alpha1.RegistryCredentialStatus.SyncFailure;
import io.regcred.config.OperatorConfig;
import io.regcred.metrics.OperatorMetrics;
import io.regcred.model.CredentialRef;
import io.regcred.model.EventPlan;
import io.regcred.model.ManagedSecret;
import io.regcred.model.ManagedSecret.Claim;
import io.regcred.model.NamespacePlan;
import io.regcred.model.NamespaceView;
import io.regcred.model.PassHistory;
import io.regcred.model.PassOrder;
import io.regcred.model.PassScope;
import io.regcred.model.PrunePlan;
import io.regcred.model.Reason;
import io.regcred.model.RefreshSchedule;
import io.regcred.model.RegistryToken;
import io.regcred.model.StatusFactory;
import io.regcred.model.StatusFactory.SourceState;
import io.regcred.model.SyncReport;
import io.regcred.model.TargetSelection;
import io.regcred.model.Timebase;
import io.regcred.model.VerificationResult;
import io.regcred.provider.SourceSecrets;
import io.regcred.provider.TokenProvider;
import io.regcred.provider.verify.RegistryCheck;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Reconciles a ClusterRegistryCredential: fetch the credential once, write it into every target
 * namespace, patch the selected ServiceAccounts, prune what left the target set, report status.
 */
@ControllerConfiguration(name = "clusterregistrycredential")
public class ClusterRegistryCredentialReconciler
    implements Reconciler<ClusterRegistryCredential>, Cleaner<ClusterRegistryCredential> {

  private static final Logger log =
      LoggerFactory.getLogger(ClusterRegistryCredentialReconciler.class);

  private final Function<SourceSecrets, List<TokenProvider>> providerFactory;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Clock clock;
  private final Timebase timebase;
  private final ExecutorService fanOut;
  private final String sourceNamespace;
  private final String stateNamespace;
  private final Set<String> deniedNamespaces;
  private final int writeThreads;
  private final RegistryCheck verifier;
  private final ExecutorService verifyPool;
  private final NamespacedTriggers namespacedTriggers;

  /** How often a pass waiting on its writes looks for newcomers to serve first. */
  private static final Duration NEWCOMER_CHECK = Duration.ofMillis(20);

  /** What each credential's reconciles remember of each other, in one place. */
  private final Map<String, CredentialMemory> memories = new ConcurrentHashMap<>();

  private TokenStore tokens;
  private TokenSource tokenSource;
  private StatusWriter<ClusterRegistryCredential> statusWriter;

  private Caches caches;
  private NamespaceSync namespaceSync;
  private ServiceAccountPatcher serviceAccounts;
  private ConflictWatches conflictWatches;
  private Verifications verifications;
  private PullFailureWatch pullFailures;

  public ClusterRegistryCredentialReconciler(
      Function<SourceSecrets, List<TokenProvider>> providerFactory,
      EventRecorder events,
      OperatorMetrics metrics,
      Timebase timebase,
      ExecutorService fanOut,
      RegistryCheck verifier,
      ExecutorService verifyPool,
      NamespacedTriggers namespacedTriggers,
      OperatorConfig config) {
    this.namespacedTriggers = namespacedTriggers;
    this.providerFactory = providerFactory;
    this.events = events;
    this.metrics = metrics;
    this.clock = timebase.clock();
    this.timebase = timebase;
    this.fanOut = fanOut;
    this.sourceNamespace = config.sourceNamespace();
    this.stateNamespace = config.namespace();
    this.deniedNamespaces = config.deniedNamespaces();
    this.writeThreads = config.writeThreads();
    this.verifier = verifier;
    this.verifyPool = verifyPool;
  }

  @Override
  public List<EventSource<?, ClusterRegistryCredential>> prepareEventSources(
      EventSourceContext<ClusterRegistryCredential> context) {
    caches = new Caches(context, sourceNamespace, deniedNamespaces, namespacedTriggers);
    KubernetesClient client = context.getClient();
    serviceAccounts = new ServiceAccountPatcher(client);
    namespaceSync = new NamespaceSync(client, caches, serviceAccounts, metrics);
    tokens = new TokenStore(client, stateNamespace);
    statusWriter =
        new StatusWriter<>(
            client,
            ClusterRegistryCredential.class,
            c -> c.getMetadata().getName(),
            System::nanoTime);
    tokenSource =
        new TokenSource(
            tokens, List.copyOf(providerFactory.apply(caches)), metrics, clock, sourceNamespace);
    conflictWatches =
        new ConflictWatches(
            (secretName, retriever) ->
                caches.secretsNamed(secretName, retriever, deniedNamespaces));
    // A verification's result arrives off the reconcile thread and asks for a reconcile to show it.
    var verified = new SimpleInboundEventSource<ClusterRegistryCredential>("verifications");
    verifications =
        new Verifications(
            verifier,
            verifyPool,
            name -> verified.propagateEvent(new ResourceID(name)),
            metrics,
            clock);
    pullFailures =
        new PullFailureWatch(
            client, caches, context.getPrimaryCache(), deniedNamespaces, events, metrics, clock);
    return Stream.concat(caches.eventSources().stream(), Stream.of(verified, pullFailures))
        .toList();
  }

  /** The caches, shared with the namespaced kind's reconciler (once events sources exist). */
  public ClusterView view() {
    return caches;
  }

  @Override
  public UpdateControl<ClusterRegistryCredential> reconcile(
      ClusterRegistryCredential credential, Context<ClusterRegistryCredential> context) {
    try (var ignored = MDC.putCloseable("credential", credential.getMetadata().getName())) {
      return reconcileCredential(credential, context);
    }
  }

  private UpdateControl<ClusterRegistryCredential> reconcileCredential(
      ClusterRegistryCredential credential, Context<ClusterRegistryCredential> context) {
    // Gather. The marks first: an event arriving from here on is marked for the next pass.
    String name = credential.getMetadata().getName();
    Set<String> marked = caches.takeMarked(name);
    var spec = credential.getSpec();
    String sourceKind = spec.getSource().kind();
    RegistryCredentialStatus previous = statusWriter.latest(credential);
    String sourceHash = ManagedSecret.sha256(Serialization.asJson(spec.getSource()));
    Instant now = clock.instant();
    CredentialMemory memory =
        memories
            .getOrDefault(name, CredentialMemory.NONE)
            .forSource(sourceKey(credential, sourceHash));
    TokenSource.Outcome obtained = tokenSource.obtain(credential, sourceHash, memory.fetch(), now);
    memory = memory.withFetch(obtained.fetch());
    Optional<RegistryToken> token = obtained.token();
    SourceState source = obtained.source();
    // Started now, it runs while the Secrets are written; the result shows when it is done.
    Optional<VerificationResult> verification =
        token.flatMap(t -> verifications.result(name, t, spec.getVerification()));
    token.ifPresent(t -> pullFailures.serving(name, t));

    // With a token (fresh, reused, or the last good one during an outage) the targets are synced:
    // all of them, or only those events were seen for (PassScope).
    SyncReport report = null;
    List<SyncFailure> failures = List.of();
    List<SyncFailure> newConflicts = List.of();
    boolean rotated = false;
    PassHistory passes = PassHistory.NONE; // no pass without a token: the next one is full
    Optional<Instant> retryDue = Optional.empty();
    Optional<Instant> expiry = token.flatMap(RegistryToken::expiresAt);
    if (token.isPresent()) {
      Caches.Targets selected = caches.targets(credential, deniedNamespaces);
      SortedSet<String> targets = selected.targeted();
      PassScope.Basis basis =
          new PassScope.Basis(
              credential.getMetadata().getGeneration(),
              ManagedSecret.fingerprint(credential, token.get(), sourceHash),
              now);
      PassScope scope = memory.passes().scope(basis, marked);
      List<String> examined = targets.stream().filter(scope::includes).toList();
      Synced synced =
          syncAll(credential, examined, scope instanceof PassScope.Full, token.get(), sourceHash);
      List<NamespaceSync.Result> results = synced.results();
      int examinedCount = examined.size() + synced.newcomers().size();
      if (!synced.newcomers().isEmpty()) {
        targets = new TreeSet<>(targets);
        targets.addAll(synced.newcomers());
      }
      Set<String> landed = new HashSet<>();
      List<SyncFailure> failed = new ArrayList<>();
      List<SyncFailure> conflicted = new ArrayList<>();
      int writes = 0;
      // A namespace served twice in the pass is where its last write left it.
      Map<String, NamespaceSync.Result> lastResults = new LinkedHashMap<>();
      for (var r : results) {
        writes += r.writes();
        rotated |= r.rotated();
        if (r.newConflict()) {
          conflicted.add(r.failure());
        }
        lastResults.put(r.namespace(), r);
      }
      for (var r : lastResults.values()) {
        if (r.landed()) {
          landed.add(r.namespace());
        }
        if (!r.ok()) {
          failed.add(r.failure());
        }
      }
      newConflicts = conflicted;
      Pruned pruned = prune(credential, scope, targets, landed);
      writes += pruned.writes();
      List<SyncFailure> failedTargets = memory.passes().failuresAfter(scope, targets, failed);
      List<SyncFailure> denied =
          selected.deniedNames().stream()
              .map(
                  ns ->
                      new SyncFailure(
                          ns,
                          TargetSelection.DENIED,
                          "namespace "
                              + ns
                              + " is on the operator's deny list (REGCRED_DENIED_NAMESPACES);"
                              + " nothing is written there"))
              .toList();
      failures = new ArrayList<>(failedTargets);
      failures.addAll(denied);
      report =
          new SyncReport(
              targets.size() + denied.size(),
              targets.size() - failedTargets.size(),
              failures,
              rotated,
              writes);
      metrics.pass(scope instanceof PassScope.Full ? "full" : "partial", examinedCount);
      if (writes > 0 || !failed.isEmpty()) {
        log.info(
            "reconciled credential={} scope={} examined={} targeted={} synced={} failed={}"
                + " writes={}",
            name,
            scope instanceof PassScope.Full full ? "full (" + full.why() + ")" : "partial",
            examinedCount,
            report.targeted(),
            report.synced(),
            failures.size(),
            writes);
      }
      // Retries back off from full pass to full pass; a partial pass between them neither
      // resets nor postpones a retry that is already due at some time.
      // A failed prune is retried like a failed write: no event may come for that namespace.
      boolean retrySync =
          !pruned.failed().isEmpty()
              || failedTargets.stream().anyMatch(f -> !Claim.blocks(f.reason()));
      boolean conflicts = failedTargets.stream().anyMatch(f -> Claim.blocks(f.reason()));
      retryDue = memory.passes().retryDue();
      if (scope instanceof PassScope.Full
          || retryDue.isEmpty()
          || memory.passes().retryDueAt(now)) {
        memory = memory.synced(retrySync, conflicts);
        retryDue =
            RefreshSchedule.earliest(
                memory.retryAt(memory.syncRetries(), now, expiry),
                memory.retryAt(memory.conflictChecks(), now, Optional.empty()));
      }
      passes = memory.passes().after(scope, basis, failedTargets, pruned.failed(), retryDue);
      watchWhileBlocked(context, credential, conflicts);
    }
    memory = memory.passed(passes);
    Optional<Instant> nextRefresh = token.flatMap(t -> RefreshSchedule.refreshTime(credential, t));
    var status =
        StatusFactory.build(
            previous,
            credential.getMetadata().getGeneration(),
            sourceKind,
            source,
            report,
            source.available() ? nextRefresh : Optional.empty(),
            verification,
            now);
    status.setPullFailures(
        pullFailures.log(name, previous == null ? null : previous.getPullFailures()));
    events.all(credential, EventPlan.decide(previous, status, source, newConflicts, rotated));
    metrics.credentialState(
        name,
        expiry,
        report == null ? 0 : report.targeted(),
        report == null ? 0 : report.synced(),
        failures.size());
    verification.ifPresent(v -> metrics.verified(name, v.status()));

    StatusWriter.Outcome statusOutcome = statusWriter.write(credential, status);
    memory = memory.statusWritten(!statusOutcome.failed());
    memories.put(name, memory);
    // When to look again: the earliest of refresh, next fetch attempt, namespace retry, status,
    // and the periodic full pass.
    Optional<Duration> wake =
        RefreshSchedule.wakeAfter(
            now,
            List.of(
                nextRefresh,
                memory.fetch().nextAttempt(),
                retryDue,
                memory.retryAt(memory.statusFailures(), now, expiry),
                memory.passes().lastFull().map(b -> b.at().plus(PassScope.FULL_PASS_EVERY)),
                verifications.dueAgain(name)));
    // The operator schedules the refresh itself; the framework's periodic resync is no substitute.
    // The framework waits in real time, the wake is in the clock's; a held status is due in real
    // time.
    return Stream.concat(wake.map(timebase::realDelay).stream(), statusOutcome.heldFor().stream())
        .min(Duration::compareTo)
        .map(UpdateControl.<ClusterRegistryCredential>noUpdate()::rescheduleAfter)
        .orElse(UpdateControl.noUpdate());
  }

  /**
   * For what no pass foresaw (a bug, an exception from a library): Ready says so with the kind of
   * error, never its message, which could quote anything; the framework retries with backoff and
   * logs the exception; what the last pass wrote stays in place.
   */
  @Override
  public ErrorStatusUpdateControl<ClusterRegistryCredential> updateErrorStatus(
      ClusterRegistryCredential credential,
      Context<ClusterRegistryCredential> context,
      Exception e) {
    // The marks this pass took are lost with it: the retry looks at every namespace.
    memories.computeIfPresent(
        credential.getMetadata().getName(), (name, memory) -> memory.passed(PassHistory.NONE));
    statusWriter.writeUnexpected(credential, e, events, clock.instant());
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  /** Secrets under the target name are watched while a namespace is blocked by one of them. */
  private void watchWhileBlocked(
      Context<ClusterRegistryCredential> context,
      ClusterRegistryCredential credential,
      boolean blocked) {
    try {
      conflictWatches.update(
          context.eventSourceRetriever(),
          credential.getMetadata().getName(),
          credential.targetSecretName(),
          blocked);
    } catch (RuntimeException e) {
      // Without the watch, the conflict is still rechecked with backoff.
      log.warn("no watch on Secrets named {}: {}", credential.targetSecretName(), e.getMessage());
    }
  }

  /**
   * What the fetch state belongs to: the source spec and the version of the source Secret it reads,
   * so that fixing either is tried at once instead of after the backoff.
   */
  private String sourceKey(ClusterRegistryCredential credential, String sourceHash) {
    return sourceHash
        + "/"
        + Caches.referencedSecret(credential)
            .flatMap(caches::get)
            .map(s -> s.getMetadata().getResourceVersion())
            .orElse("");
  }

  @Override
  public DeleteControl cleanup(
      ClusterRegistryCredential credential, Context<ClusterRegistryCredential> context) {
    String name = credential.getMetadata().getName();
    boolean retain = credential.getSpec().effectiveDeletionPolicy() == DeletionPolicy.Retain;
    int done = 0;
    List<String> failed = new ArrayList<>();
    for (Secret secret : caches.secretsOf(name)) {
      if (!ManagedSecret.removable(secret, credential)) {
        continue; // labelled like ours, but without our owner reference: nothing of ours to undo
      }
      try {
        // Retain: the owner reference goes first, or the garbage collector would delete the
        // Secret as soon as the finalizer is released.
        done += retain ? namespaceSync.release(credential, secret) : namespaceSync.remove(secret);
      } catch (KubernetesClientException e) {
        failed.add(secret.getMetadata().getNamespace() + " (" + ApiErrors.describe(e) + ")");
      }
    }
    CredentialMemory memory = memories.getOrDefault(name, CredentialMemory.NONE);
    if (!failed.isEmpty() && memory.cleanupAttempts() + 1 < CredentialMemory.MAX_CLEANUP_ATTEMPTS) {
      memories.put(name, memory.cleanupFailed());
      String message =
          "cleanup failed in "
              + failed.size()
              + " namespaces, retrying: "
              + String.join(", ", failed);
      log.warn("cleanup incomplete credential={} {}", name, message);
      events.warning(credential, Reason.CleanupFailed.name(), message);
      return DeleteControl.noFinalizerRemoval()
          .rescheduleAfter(
              RefreshSchedule.retryDelay(
                  memory.cleanupAttempts() + 1, clock.instant(), Optional.empty()));
    }
    if (!failed.isEmpty()) {
      // Bounded: the finalizer goes; owner references let the garbage collector finish the rest.
      events.warning(
          credential,
          Reason.CleanupAbandoned.name(),
          "gave up after "
              + CredentialMemory.MAX_CLEANUP_ATTEMPTS
              + " attempts in "
              + String.join(", ", failed));
    }
    namespaceSync.forget(name);
    conflictWatches.forget(context.eventSourceRetriever(), name);
    caches.takeMarked(name);
    caches.forgetTargets(name);
    memories.remove(name);
    verifications.forget(name);
    pullFailures.forget(name);
    statusWriter.forget(name);
    tokens.forget(name);
    metrics.forget(name);
    log.info(
        "cleaned up credential={} secrets={} retained={} failed={}",
        name,
        done,
        retain,
        failed.size());
    return DeleteControl.defaultDelete();
  }

  /**
   * What a pass wrote: one result per write to a namespace, in the order they ended (a namespace
   * can be served twice), and the namespaces it took on while it ran (see {@link #syncAll}).
   */
  private record Synced(List<NamespaceSync.Result> results, Set<String> newcomers) {}

  /**
   * Syncs the namespaces through the write pool, {@code REGCRED_WRITE_CONCURRENCY} at a time (the
   * pool has as many threads for each credential reconciled at once), so that a full pass can serve
   * namespaces that turn up while it runs before its own remaining ones: a namespace created during
   * the rotation of thousands gets its Secret in the time of a few writes, not of the whole pass.
   * Those newcomers are the marked namespaces the credential targets that the pass is not writing
   * at the moment and that either it did not start with and has not queued, or where a
   * ServiceAccount still needs our entry (the pass has written the namespace already, or has not
   * reached it yet): a namespace created just before the pass, whose ServiceAccount appears while
   * the pass runs, gets its entry at once, not after the whole pass (a new namespace is marked
   * again when its ServiceAccount appears). Other marks of the pass's own namespaces (the echo of a
   * write, a change after it) stay for the next pass, which looks at just those. Each mark is
   * judged once when it comes, and again when a write to its namespace ends, never all marks at
   * every look: that would cost the square of the namespaces.
   */
  private Synced syncAll(
      ClusterRegistryCredential credential,
      List<String> namespaces,
      boolean takeNewcomers,
      RegistryToken token,
      String sourceHash) {
    String name = credential.getMetadata().getName();
    Set<String> original = Set.copyOf(namespaces);
    CredentialRef ref = CredentialRef.of(credential);
    String secretName = credential.targetSecretName();
    java.util.ArrayDeque<String> queue =
        new java.util.ArrayDeque<>(
            PassOrder.unservedFirst(
                namespaces, ns -> caches.managedSecret(ns, secretName).isPresent()));
    Set<String> queued = new HashSet<>(queue); // this thread's only
    Set<String> running = ConcurrentHashMap.newKeySet();
    Set<String> newcomers = new HashSet<>();
    var completions = new ExecutorCompletionService<NamespaceSync.Result>(fanOut);
    List<NamespaceSync.Result> results = new ArrayList<>(namespaces.size());
    int inFlight = 0;
    try {
      while (!queue.isEmpty() || inFlight > 0) {
        if (takeNewcomers) {
          for (String ns :
              caches.takeMarked(
                  name,
                  ns ->
                      !running.contains(ns)
                          && caches
                              .namespace(ns)
                              .map(NamespaceView::of)
                              .filter(v -> TargetSelection.targets(credential, v, deniedNamespaces))
                              .isPresent()
                          && ((!original.contains(ns) && !queued.contains(ns))
                              || !NamespacePlan.accountEdits(
                                      ref, secretName, caches.serviceAccounts(ns))
                                  .isEmpty()))) {
            if (!original.contains(ns)) {
              newcomers.add(ns);
            }
            if (!queued.add(ns)) {
              queue.remove(ns); // rare: a ServiceAccount that needs our entry, not yet reached
            }
            queue.addFirst(ns);
          }
        }
        while (!queue.isEmpty() && inFlight < writeThreads) {
          String ns = queue.pollFirst();
          queued.remove(ns);
          running.add(ns);
          completions.submit(
              () -> {
                try {
                  return namespaceSync.sync(
                      credential, ns, ManagedSecret.desired(credential, ns, token, sourceHash));
                } finally {
                  running.remove(ns);
                  caches.judgeAgain(name, ns);
                }
              });
          inFlight++;
        }
        Future<NamespaceSync.Result> done =
            completions.poll(NEWCOMER_CHECK.toMillis(), TimeUnit.MILLISECONDS);
        if (done != null) {
          results.add(done.get());
          inFlight--;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while writing", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r
          ? r
          : new IllegalStateException(e.getCause());
    }
    return new Synced(results, newcomers);
  }

  /**
   * Removes what {@link PrunePlan} says is no longer wanted, with our ServiceAccount entries, in
   * the namespaces this pass looks at.
   */
  /**
   * What pruning did: writes made, and the namespaces where what it should remove is still there.
   */
  private record Pruned(int writes, Set<String> failed) {}

  private Pruned prune(
      ClusterRegistryCredential credential,
      PassScope scope,
      Set<String> targets,
      Set<String> landed) {
    String name = credential.getMetadata().getName();
    // A partial pass reads the Secrets of its namespaces only, not every Secret of ours.
    List<Secret> ours =
        scope instanceof PassScope.Partial partial
            ? caches.secretsOf(name, partial.namespaces())
            : caches.secretsOf(name);
    // A denied namespace is not ours to touch at all: what was written there before stays.
    Set<String> active =
        ours.stream()
            .map(s -> s.getMetadata().getNamespace())
            .filter(ns -> caches.namespaceActive(ns) && !deniedNamespaces.contains(ns))
            .collect(Collectors.toSet());
    int writes = 0;
    Set<String> failed = new HashSet<>();
    for (Secret secret : PrunePlan.prunable(credential, ours, targets, landed, active)) {
      String ns = secret.getMetadata().getNamespace();
      try {
        writes += namespaceSync.remove(secret);
        log.info(
            "pruned secret credential={} namespace={} secret={}",
            credential.getMetadata().getName(),
            ns,
            secret.getMetadata().getName());
      } catch (KubernetesClientException e) {
        failed.add(ns);
        log.warn(
            "prune failed credential={} namespace={} reason={}",
            credential.getMetadata().getName(),
            ns,
            ApiErrors.describe(e));
      }
    }
    return new Pruned(writes, failed);
  }
}
