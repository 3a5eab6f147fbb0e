package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.regcred.api.v1alpha1.DeletionPolicy;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.api.v1alpha1.RegistryCredentialStatus;
import io.regcred.api.v1alpha1.RegistryCredentialStatus.SyncFailure;
import io.regcred.config.OperatorConfig;
import io.regcred.metrics.OperatorMetrics;
import io.regcred.model.FetchState;
import io.regcred.model.ManagedSecret;
import io.regcred.model.ManagedSecret.Claim;
import io.regcred.model.NamespaceView;
import io.regcred.model.PrunePlan;
import io.regcred.model.PullSecretEdit;
import io.regcred.model.Reason;
import io.regcred.model.RefreshSchedule;
import io.regcred.model.RegistryToken;
import io.regcred.model.StatusFactory;
import io.regcred.model.StatusFactory.SourceState;
import io.regcred.model.SyncReport;
import io.regcred.model.TargetSelection;
import io.regcred.model.Timebase;
import io.regcred.model.TokenDecision;
import io.regcred.model.TokenLifetime;
import io.regcred.provider.SourceException;
import io.regcred.provider.SourceSecrets;
import io.regcred.provider.TokenProvider;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Reconciles a RegistryCredential: fetch the credential once, write it into every target namespace,
 * patch the selected ServiceAccounts, prune what left the target set, report status.
 */
@ControllerConfiguration(name = "registrycredential")
public class RegistryCredentialReconciler
    implements Reconciler<RegistryCredential>, Cleaner<RegistryCredential> {

  private static final Logger log = LoggerFactory.getLogger(RegistryCredentialReconciler.class);

  private final Function<SourceSecrets, List<TokenProvider>> providerFactory;
  private List<TokenProvider> providers = List.of();
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Clock clock;
  private final Timebase timebase;
  private final ExecutorService fanOut;
  private final String sourceNamespace;
  private final String stateNamespace;
  private final Set<String> deniedNamespaces;

  /** What each credential's reconciles remember of each other, in one place. */
  private final Map<String, CredentialMemory> memories = new ConcurrentHashMap<>();

  private TokenStore tokens;
  private StatusWriter statusWriter;

  private Caches caches;
  private NamespaceSync namespaceSync;
  private ServiceAccountPatcher serviceAccounts;

  public RegistryCredentialReconciler(
      Function<SourceSecrets, List<TokenProvider>> providerFactory,
      EventRecorder events,
      OperatorMetrics metrics,
      Timebase timebase,
      ExecutorService fanOut,
      OperatorConfig config) {
    this.providerFactory = providerFactory;
    this.events = events;
    this.metrics = metrics;
    this.clock = timebase.clock();
    this.timebase = timebase;
    this.fanOut = fanOut;
    this.sourceNamespace = config.sourceNamespace();
    this.stateNamespace = config.namespace();
    this.deniedNamespaces = config.deniedNamespaces();
  }

  @Override
  public List<EventSource<?, RegistryCredential>> prepareEventSources(
      EventSourceContext<RegistryCredential> context) {
    caches = new Caches(context, sourceNamespace, deniedNamespaces);
    KubernetesClient client = context.getClient();
    serviceAccounts = new ServiceAccountPatcher(client);
    namespaceSync = new NamespaceSync(client, caches, serviceAccounts, metrics);
    tokens = new TokenStore(client, stateNamespace);
    statusWriter = new StatusWriter(client);
    providers = List.copyOf(providerFactory.apply(caches));
    return caches.eventSources();
  }

  @Override
  public UpdateControl<RegistryCredential> reconcile(
      RegistryCredential credential, Context<RegistryCredential> context) {
    try (var ignored = MDC.putCloseable("credential", credential.getMetadata().getName())) {
      return reconcileCredential(credential);
    }
  }

  private UpdateControl<RegistryCredential> reconcileCredential(RegistryCredential credential) {
    // Gather.
    String name = credential.getMetadata().getName();
    var spec = credential.getSpec();
    String sourceKind = spec.getSource().kind();
    RegistryCredentialStatus previous = credential.getStatus();
    String sourceHash = ManagedSecret.sha256(Serialization.asJson(spec.getSource()));
    Instant now = clock.instant();
    CredentialMemory memory =
        memories
            .getOrDefault(name, CredentialMemory.NONE)
            .forSource(sourceKey(credential, sourceHash));
    Optional<RegistryToken> current = tokens.current(credential, sourceHash, now);
    Optional<Instant> currentRefresh = current.flatMap(t -> refreshTime(credential, t));

    // Decide on the token, then carry the decision out: at most one call to the source.
    TokenDecision decision = TokenDecision.decide(current, currentRefresh, memory.fetch(), now);
    Optional<RegistryToken> token;
    SourceState source;
    if (decision instanceof TokenDecision.Reuse reuse) {
      token = Optional.of(reuse.token());
      source = SourceState.available(describeSource(credential), reuse.token().expiresAt());
    } else if (decision instanceof TokenDecision.Fetch) {
      try {
        RegistryToken fetched = usable(sourceKind, provider(credential).fetch(credential));
        metrics.providerCall(sourceKind, name, true);
        tokens.remember(credential, fetched, sourceHash);
        memory = memory.fetched();
        if (fetched.expiresAt().isPresent()) {
          log.info(
              "fetched credential={} source={} expiresAt={}",
              name,
              sourceKind,
              fetched.expiresAt().get());
        } else {
          log.debug("read credential={} source={}", name, sourceKind); // every pass, from cache
        }
        token = Optional.of(fetched);
        source = SourceState.available(describeSource(credential), fetched.expiresAt());
      } catch (SourceException e) {
        metrics.providerCall(sourceKind, name, false);
        log.warn(
            "source unavailable credential={} reason={} message={}",
            name,
            e.reason(),
            e.getMessage());
        token = TokenDecision.lastGood(current, now);
        memory =
            memory.fetchFailed(
                new FetchState.Failure(e.reason(), e.getMessage()),
                now,
                token.flatMap(RegistryToken::expiresAt));
        source = sourceFailed(memory.fetch(), token, now);
      }
    } else {
      // Backing off: no call to the source before the stored next attempt, whatever the event.
      token = TokenDecision.lastGood(current, now);
      source = sourceFailed(memory.fetch(), token, now);
    }

    // With a token (fresh, reused, or the last good one during an outage) every target is synced.
    SyncReport report = null;
    List<SyncFailure> failures = List.of();
    boolean conflicts = false;
    if (token.isPresent()) {
      SortedSet<String> targets =
          TargetSelection.namespaces(
              spec.getTarget().getNamespaces(), caches.namespaceViews(), deniedNamespaces);
      List<NamespaceSync.Result> results = syncAll(credential, targets, token.get(), sourceHash);
      Set<String> landed = new HashSet<>();
      List<SyncFailure> failed = new ArrayList<>();
      int writes = 0;
      boolean rotated = false;
      for (var r : results) {
        writes += r.writes();
        rotated |= r.rotated();
        if (r.landed()) {
          landed.add(r.namespace());
        }
        if (!r.ok()) {
          failed.add(r.failure());
          conflicts |= Claim.blocks(r.failure().reason());
        }
        if (r.newConflict()) {
          events.warning(credential, r.failure().reason(), r.failure().message());
        }
      }
      writes += prune(credential, targets, landed);
      for (String ns :
          TargetSelection.deniedNames(
              spec.getTarget().getNamespaces(), caches.namespaceViews(), deniedNamespaces)) {
        failed.add(
            new SyncFailure(
                ns,
                TargetSelection.DENIED,
                "namespace "
                    + ns
                    + " is on the operator's deny list (REGCRED_DENIED_NAMESPACES); nothing is"
                    + " written there"));
      }
      failures = failed;
      int targeted =
          targets.size() + failed.size() - (int) results.stream().filter(r -> !r.ok()).count();
      report = new SyncReport(targeted, targeted - failed.size(), failed, rotated, writes);
      if (rotated) {
        events.normal(
            credential,
            Reason.Rotated.name(),
            "credential updated in place in the target namespaces");
      }
      if (writes > 0 || !failed.isEmpty()) {
        log.info(
            "reconciled credential={} targeted={} synced={} failed={} writes={}",
            name,
            report.targeted(),
            report.synced(),
            failed.size(),
            writes);
      }
    }
    Optional<Instant> nextRefresh = token.flatMap(t -> refreshTime(credential, t));
    var status =
        StatusFactory.build(
            previous,
            credential.getMetadata().getGeneration(),
            sourceKind,
            source,
            report,
            source.available() ? nextRefresh : Optional.empty(),
            now);
    recordEvents(credential, previous, status, source);
    metrics.credentialState(
        name,
        token.flatMap(RegistryToken::expiresAt),
        report == null ? 0 : report.targeted(),
        report == null ? 0 : report.synced(),
        failures.size());

    // When to look again: the earliest of refresh, next fetch attempt, namespace retry, recheck.
    boolean retrySync =
        failures.stream()
            .anyMatch(f -> !Claim.blocks(f.reason()) && !TargetSelection.DENIED.equals(f.reason()));
    memory = memory.synced(retrySync, conflicts);
    boolean statusWritten = statusWriter.write(credential, status);
    memory = memory.statusWritten(statusWritten);
    memories.put(name, memory);
    Optional<Instant> expiry = token.flatMap(RegistryToken::expiresAt);
    Optional<Duration> wake =
        RefreshSchedule.wakeAfter(
            now,
            List.of(
                nextRefresh,
                memory.fetch().nextAttempt(),
                memory.retryAt(memory.syncRetries(), now, expiry),
                memory.retryAt(memory.conflictChecks(), now, Optional.empty()),
                memory.retryAt(memory.statusFailures(), now, expiry)));
    // The operator schedules the refresh itself; the framework's periodic resync is no substitute.
    // The framework waits in real time, the wake is in the clock's.
    return wake.map(timebase::realDelay)
        .map(UpdateControl.<RegistryCredential>noUpdate()::rescheduleAfter)
        .orElse(UpdateControl.noUpdate());
  }

  /** The source as status shows it while failing: why, and the last good token's expiry. */
  private static SourceState sourceFailed(
      FetchState fetch, Optional<RegistryToken> lastGood, Instant now) {
    var failure =
        fetch.lastFailure().orElse(new FetchState.Failure(Reason.SourceUnavailable.name(), "?"));
    Optional<Instant> lastExpiry = lastGood.flatMap(RegistryToken::expiresAt);
    if (lastExpiry.isEmpty()) {
      return SourceState.failed(failure.reason(), failure.message());
    }
    boolean expiring = RefreshSchedule.expiring(lastGood.get().issuedAt(), lastExpiry.get(), now);
    return SourceState.failed(failure.reason(), failure.message(), lastExpiry.get(), expiring);
  }

  /**
   * Events for what changed: a condition's status, reason or message (a new failure with the same
   * reason is news too). Repeats of one Event are counted by the recorder.
   */
  private void recordEvents(
      RegistryCredential credential,
      RegistryCredentialStatus previous,
      RegistryCredentialStatus status,
      SourceState source) {
    if (!source.available()
        && StatusFactory.changedOrReworded(previous, status, StatusFactory.SOURCE_AVAILABLE)) {
      events.warning(credential, source.reason(), source.message());
    }
    if (source.expiring() && StatusFactory.changed(previous, status, StatusFactory.READY)) {
      events.warning(
          credential, Reason.Expiring.name(), condition(status, StatusFactory.READY).getMessage());
    }
    var synced = condition(status, StatusFactory.SYNCED);
    if ("True".equals(synced.getStatus())) {
      // Not on every new count in the message: onboarding a namespace is not an Event.
      if (StatusFactory.changed(previous, status, StatusFactory.SYNCED)) {
        events.normal(credential, synced.getReason(), synced.getMessage());
      }
    } else if (!Claim.blocks(synced.getReason())
        && !Reason.SourceUnavailable.name().equals(synced.getReason())
        && StatusFactory.changedOrReworded(previous, status, StatusFactory.SYNCED)) {
      events.warning(credential, synced.getReason(), synced.getMessage());
    }
  }

  /**
   * What the fetch state belongs to: the source spec and the version of the source Secret it reads,
   * so that fixing either is tried at once instead of after the backoff.
   */
  private String sourceKey(RegistryCredential credential, String sourceHash) {
    return sourceHash
        + "/"
        + Caches.referencedSecret(credential)
            .flatMap(caches::get)
            .map(s -> s.getMetadata().getResourceVersion())
            .orElse("");
  }

  /**
   * A fetched token, if its lifetime is one the source can have: an expiry in the past or seconds
   * away would refetch in a hot loop, one far beyond the documented maximum would never rotate.
   */
  private RegistryToken usable(String sourceKind, RegistryToken token) throws SourceException {
    var problem = TokenLifetime.problem(sourceKind, token, clock.instant());
    if (problem.isPresent()) {
      throw new SourceException(
          Reason.ProviderError,
          "the " + sourceKind + " source returned an unusable token: " + problem.get());
    }
    return token;
  }

  /** When a token must be replaced; empty for credentials that do not expire. */
  private static Optional<Instant> refreshTime(RegistryCredential credential, RegistryToken token) {
    return token
        .expiresAt()
        .map(
            expires ->
                RefreshSchedule.nextRefresh(
                    token.issuedAt(),
                    expires,
                    beforeExpiry(credential),
                    RefreshSchedule.jitterFor(
                        credential.getMetadata().getUid() + token.issuedAt())));
  }

  private static Optional<Duration> beforeExpiry(RegistryCredential credential) {
    var refresh = credential.getSpec().getRefresh();
    if (refresh == null || refresh.getBeforeExpiry() == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(RefreshSchedule.parseDuration(refresh.getBeforeExpiry()));
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // the schema admits only valid durations
    }
  }

  @Override
  public DeleteControl cleanup(RegistryCredential credential, Context<RegistryCredential> context) {
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
        done += retain ? release(credential, secret) : removeFromNamespace(secret);
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
    memories.remove(name);
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

  /** Our owner reference off a Secret that stays ({@code Retain}); returns the writes made. */
  private int release(RegistryCredential credential, Secret observed) {
    Secret full =
        caches
            .client()
            .secrets()
            .inNamespace(observed.getMetadata().getNamespace())
            .withName(observed.getMetadata().getName())
            .get();
    if (full == null || !ManagedSecret.removable(full, credential)) {
      return 0;
    }
    full.getMetadata()
        .setOwnerReferences(
            full.getMetadata().getOwnerReferences().stream()
                .filter(o -> !credential.getMetadata().getUid().equals(o.getUid()))
                .toList());
    caches.client().resource(full).update();
    return 1;
  }

  private List<NamespaceSync.Result> syncAll(
      RegistryCredential credential,
      SortedSet<String> targets,
      RegistryToken token,
      String sourceHash) {
    List<CompletableFuture<NamespaceSync.Result>> futures = new ArrayList<>(targets.size());
    for (String ns : targets) {
      Secret desired = ManagedSecret.desired(credential, ns, token, sourceHash);
      futures.add(
          CompletableFuture.supplyAsync(() -> namespaceSync.sync(credential, ns, desired), fanOut));
    }
    return futures.stream().map(CompletableFuture::join).toList();
  }

  /** Removes what {@link PrunePlan} says is no longer wanted, with our ServiceAccount entries. */
  private int prune(RegistryCredential credential, Set<String> targets, Set<String> landed) {
    // A denied namespace is not ours to touch at all: what was written there before stays.
    Set<String> active =
        caches.namespaceViews().stream()
            .filter(v -> !v.terminating() && !deniedNamespaces.contains(v.name()))
            .map(NamespaceView::name)
            .collect(Collectors.toSet());
    int writes = 0;
    for (Secret secret :
        PrunePlan.prunable(
            credential,
            caches.secretsOf(credential.getMetadata().getName()),
            targets,
            landed,
            active)) {
      String ns = secret.getMetadata().getNamespace();
      try {
        writes += removeFromNamespace(secret);
        log.info(
            "pruned secret credential={} namespace={} secret={}",
            credential.getMetadata().getName(),
            ns,
            secret.getMetadata().getName());
      } catch (KubernetesClientException e) {
        log.warn(
            "prune failed credential={} namespace={} reason={}",
            credential.getMetadata().getName(),
            ns,
            ApiErrors.describe(e));
      }
    }
    return writes;
  }

  /** Our entry off the ServiceAccounts, then the Secret itself; gone objects are fine. */
  private int removeFromNamespace(Secret secret) {
    String ns = secret.getMetadata().getNamespace();
    String secretName = secret.getMetadata().getName();
    int writes = 0;
    for (ServiceAccount sa : caches.serviceAccounts(ns)) {
      if (PullSecretEdit.added(sa).contains(secretName)
          && serviceAccounts.removeEntry(sa, secretName)) {
        writes++;
      }
    }
    try {
      // Only the version we saw: a Secret someone put in its place meanwhile is not ours to delete.
      caches
          .client()
          .resource(secret)
          .lockResourceVersion(secret.getMetadata().getResourceVersion())
          .delete();
      writes++;
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND
          && e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
    }
    return writes;
  }

  private TokenProvider provider(RegistryCredential credential) throws SourceException {
    return providers.stream()
        .filter(p -> p.supports(credential))
        .findFirst()
        .orElseThrow(
            () ->
                new SourceException(
                    Reason.SourceNotSupported,
                    "source "
                        + credential.getSpec().getSource().kind()
                        + " is not supported by this operator build"));
  }

  private String describeSource(RegistryCredential credential) {
    var source = credential.getSpec().getSource();
    if (source.getStaticSource() != null) {
      return "static credential read from Secret "
          + sourceNamespace
          + "/"
          + source.getStaticSource().getSecretRef().getName();
    }
    return source.kind() + " token fetched";
  }

  private static io.fabric8.kubernetes.api.model.Condition condition(
      RegistryCredentialStatus status, String type) {
    return StatusFactory.find(status, type).orElseThrow();
  }
}
