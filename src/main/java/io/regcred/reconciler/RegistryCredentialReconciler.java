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
import io.regcred.Labels;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.api.v1alpha1.RegistryCredentialStatus;
import io.regcred.api.v1alpha1.RegistryCredentialStatus.SyncFailure;
import io.regcred.metrics.OperatorMetrics;
import io.regcred.model.CredentialRef;
import io.regcred.model.EventPlan;
import io.regcred.model.FetchState;
import io.regcred.model.ManagedSecret;
import io.regcred.model.Reason;
import io.regcred.model.RefreshSchedule;
import io.regcred.model.RegistryToken;
import io.regcred.model.StatusFactory;
import io.regcred.model.StatusFactory.SourceState;
import io.regcred.model.SyncReport;
import io.regcred.model.Timebase;
import io.regcred.model.VerificationResult;
import io.regcred.provider.tenant.TenantSources;
import io.regcred.provider.verify.RegistryCheck;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Reconciles a namespaced RegistryCredential: fetch its token with the namespace's own Secret or
 * ServiceAccount, write the one pull Secret into the same namespace, patch the selected
 * ServiceAccounts there, report status and Events there. It reads the cluster kind's caches
 * (ServiceAccounts and labelled Secrets are cached once) and writes through the same {@link
 * NamespaceSync}.
 */
@ControllerConfiguration(name = "registrycredential")
public class RegistryCredentialReconciler
    implements Reconciler<RegistryCredential>, Cleaner<RegistryCredential> {

  private static final Logger log = LoggerFactory.getLogger(RegistryCredentialReconciler.class);

  /**
   * How often a credential looks again without an event: its source Secret is not watched (only
   * Secrets the operator labels are cached), so a changed one is read within this time.
   */
  static final Duration RECHECK_EVERY = Duration.ofMinutes(5);

  /**
   * How soon a failed write or a conflict is looked at again: no event reports a foreign Secret
   * going away (only our labelled ones are watched).
   */
  static final Duration RETRY_SYNC_AFTER = Duration.ofSeconds(30);

  private final TenantSources sources;
  private final Supplier<ClusterView> view;
  private final NamespacedTriggers triggers;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Clock clock;
  private final Timebase timebase;
  private final Set<String> deniedNamespaces;
  private final RegistryCheck verifier;
  private final ExecutorService verifyPool;
  private final TokenSource tokenSource;

  /**
   * Per credential key (namespace/name): its token and fetch history. Expiring tokens are also
   * stored in the operator's namespace ({@link TokenStore}), never read back from the tenant's.
   */
  private final Map<String, Memory> memories = new ConcurrentHashMap<>();

  private record Memory(String sourceHash, Optional<RegistryToken> token, FetchState fetch) {}

  private final String stateNamespace;
  private TokenStore tokens;
  private NamespaceSync namespaceSync;
  private StatusWriter<RegistryCredential> statusWriter;
  private Verifications verifications;

  /**
   * @param view the cluster kind's caches, once they exist
   * @param stateNamespace the operator's namespace, where expiring tokens are stored across
   *     restarts
   * @param deniedNamespaces namespaces where no namespaced credential acts: the operator's deny
   *     list and its own and source namespaces (a credential there could name the operator's own
   *     ServiceAccount)
   */
  public RegistryCredentialReconciler(
      TenantSources sources,
      Supplier<ClusterView> view,
      NamespacedTriggers triggers,
      EventRecorder events,
      OperatorMetrics metrics,
      Timebase timebase,
      Set<String> deniedNamespaces,
      RegistryCheck verifier,
      ExecutorService verifyPool,
      String stateNamespace) {
    this.stateNamespace = stateNamespace;
    this.sources = sources;
    this.view = view;
    this.triggers = triggers;
    this.events = events;
    this.metrics = metrics;
    this.clock = timebase.clock();
    this.timebase = timebase;
    this.deniedNamespaces = Set.copyOf(deniedNamespaces);
    this.verifier = verifier;
    this.verifyPool = verifyPool;
    this.tokenSource = TokenSource.forRequests(metrics, clock);
  }

  @Override
  public List<EventSource<?, RegistryCredential>> prepareEventSources(
      EventSourceContext<RegistryCredential> context) {
    KubernetesClient client = context.getClient();
    tokens = new TokenStore(client, stateNamespace);
    // JOSDK prepares event sources in registration order: the cluster kind's caches exist.
    ClusterView caches =
        Objects.requireNonNull(view.get(), "the cluster kind's reconciler is registered first");
    namespaceSync = new NamespaceSync(client, caches, new ServiceAccountPatcher(client), metrics);
    statusWriter =
        new StatusWriter<>(
            client, RegistryCredential.class, RegistryCredential::key, System::nanoTime);
    var fromCaches = new SimpleInboundEventSource<RegistryCredential>("cluster-caches");
    var cache = context.getPrimaryCache();
    triggers.bind(fromCaches, namespace -> cache.list(namespace));
    var verified = new SimpleInboundEventSource<RegistryCredential>("verifications");
    verifications =
        new Verifications(
            verifier, verifyPool, key -> verified.propagateEvent(resourceId(key)), metrics, clock);
    return List.of(fromCaches, verified);
  }

  private static ResourceID resourceId(String key) {
    int slash = key.indexOf('/');
    return new ResourceID(key.substring(slash + 1), key.substring(0, slash));
  }

  @Override
  public UpdateControl<RegistryCredential> reconcile(
      RegistryCredential credential, Context<RegistryCredential> context) {
    try (var ignored = MDC.putCloseable("credential", credential.key())) {
      return reconcileCredential(credential);
    }
  }

  private UpdateControl<RegistryCredential> reconcileCredential(RegistryCredential credential) {
    // Gather.
    String key = credential.key();
    String namespace = credential.getMetadata().getNamespace();
    var spec = credential.getSpec();
    String sourceKind = spec.getSource().kind();
    RegistryCredentialStatus previous = statusWriter.latest(credential);
    Instant now = clock.instant();
    java.util.function.Function<RegistryToken, Optional<Instant>> refreshTime =
        t -> RefreshSchedule.refreshTime(spec.getRefresh(), credential.getMetadata().getUid(), t);

    Optional<RegistryToken> token = Optional.empty();
    SourceState source;
    SyncReport report;
    Optional<VerificationResult> verification = Optional.empty();
    boolean rotated = false;
    Optional<Instant> nextAttempt = Optional.empty();
    if (deniedNamespaces.contains(namespace)) {
      // Nothing is fetched, no ServiceAccount token asked for, nothing written.
      memories.remove(key);
      source =
          SourceState.failed(
              Reason.NamespaceDenied.name(),
              "namespace "
                  + namespace
                  + " is closed to namespaced RegistryCredentials (the operator's own namespaces,"
                  + " the system's and REGCRED_DENIED_NAMESPACES); nothing is fetched or written");
      report =
          new SyncReport(
              1,
              0,
              List.of(new SyncFailure(namespace, Reason.NamespaceDenied.name(), source.message())),
              false,
              0);
    } else {
      String sourceHash = ManagedSecret.sha256(Serialization.asJson(spec.getSource()));
      CredentialRef ref = CredentialRef.of(credential);
      boolean expiring = !"static".equals(sourceKind); // a static source is read anew each time
      Memory memory = memories.get(key);
      if (memory == null || !memory.sourceHash().equals(sourceHash)) {
        // After a start (or a changed source): the stored token of this source spec, if any.
        memory =
            new Memory(
                sourceHash,
                expiring ? tokens.stored(ref, sourceKind, sourceHash, now) : Optional.empty(),
                FetchState.fresh(sourceHash));
      }
      Optional<RegistryToken> current = expiring ? memory.token() : Optional.empty();
      TokenSource.Outcome obtained =
          tokenSource.obtain(
              new TokenSource.Request(
                  key,
                  sourceKind,
                  sourceKind + " credential of namespace " + namespace,
                  current,
                  refreshTime,
                  () -> sources.fetch(namespace, spec.getSource()),
                  t -> tokens.store(ref, t, sourceHash)),
              memory.fetch(),
              now);
      // The token in hand afterwards: the reused one, the fetched one, or the last good one.
      memories.put(key, new Memory(sourceHash, obtained.token(), obtained.fetch()));
      nextAttempt = obtained.fetch().nextAttempt();
      token = obtained.token();
      source = obtained.source();
      verification = token.flatMap(t -> verifications.result(key, t, spec.getVerification()));

      // Execute: the one Secret and the ServiceAccounts of this namespace.
      if (token.isPresent()) {
        NamespaceSync.Result result =
            namespaceSync.sync(
                ref, namespace, ManagedSecret.desired(ref, namespace, token.get(), sourceHash));
        rotated = result.rotated();
        int writes = result.writes() + pruneOtherNames(credential);
        report =
            new SyncReport(
                1,
                result.ok() ? 1 : 0,
                result.ok() ? List.of() : List.of(result.failure()),
                result.rotated(),
                writes);
        if (result.writes() > 0 || !result.ok()) {
          log.info(
              "reconciled credential={} synced={} writes={}", key, result.ok(), result.writes());
        }
      } else {
        report = null;
      }
    }

    // Decide status and Events, then write them.
    Optional<Instant> nextRefresh = token.flatMap(refreshTime);
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
    events.all(credential, EventPlan.decide(previous, status, source, List.of(), rotated));
    metrics.credentialState(
        key,
        token.flatMap(RegistryToken::expiresAt),
        report == null ? 0 : report.targeted(),
        report == null ? 0 : report.synced(),
        report == null ? 0 : report.failures().size());
    verification.ifPresent(v -> metrics.verified(key, v.status()));
    StatusWriter.Outcome written = statusWriter.write(credential, status);

    // When to look again: refresh, the next fetch attempt, reverification, and the recheck of
    // what no event reports (the source Secret, a failed write).
    Optional<Duration> wake =
        RefreshSchedule.wakeAfter(
            now,
            List.of(
                nextRefresh,
                nextAttempt,
                verifications.dueAgain(key),
                Optional.of(
                    now.plus(
                        report != null && !report.failures().isEmpty()
                            ? RETRY_SYNC_AFTER
                            : RECHECK_EVERY))));
    return Stream.concat(wake.map(timebase::realDelay).stream(), written.heldFor().stream())
        .min(Duration::compareTo)
        .map(UpdateControl.<RegistryCredential>noUpdate()::rescheduleAfter)
        .orElse(UpdateControl.noUpdate());
  }

  /**
   * Our Secrets of this credential under another name than the target's (the name was changed),
   * with our ServiceAccount entries for them: only those with its controller owner reference.
   */
  private int pruneOtherNames(RegistryCredential credential) {
    String name = credential.getMetadata().getName();
    String uid = credential.getMetadata().getUid();
    int writes = 0;
    for (Secret secret : view.get().managedSecretsIn(credential.getMetadata().getNamespace())) {
      var labels = secret.getMetadata().getLabels();
      if (labels != null
          && name.equals(labels.get(Labels.NAMESPACED_CREDENTIAL))
          && !secret.getMetadata().getName().equals(credential.targetSecretName())
          && ManagedSecret.removable(secret, uid)) {
        try {
          writes += namespaceSync.remove(secret);
          log.info(
              "pruned secret credential={} secret={}",
              credential.key(),
              secret.getMetadata().getName());
        } catch (KubernetesClientException e) {
          log.warn("prune failed credential={} reason={}", credential.key(), ApiErrors.describe(e));
        }
      }
    }
    return writes;
  }

  /** As for the cluster kind: the kind of error in Ready, never its message; retried. */
  @Override
  public ErrorStatusUpdateControl<RegistryCredential> updateErrorStatus(
      RegistryCredential credential, Context<RegistryCredential> context, Exception e) {
    statusWriter.writeUnexpected(credential, e, events, clock.instant());
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  /**
   * Removes the Secret (with our ServiceAccount entries) or, with Retain, releases it; only a
   * Secret with this credential's controller owner reference is touched.
   */
  @Override
  public DeleteControl cleanup(RegistryCredential credential, Context<RegistryCredential> context) {
    String key = credential.key();
    String namespace = credential.getMetadata().getNamespace();
    // The schema requires a spec; an object from before that rule is cleaned up as Delete.
    boolean retain =
        credential.getSpec() != null
            && credential.getSpec().effectiveDeletionPolicy()
                == io.regcred.api.v1alpha1.DeletionPolicy.Retain;
    Optional<Secret> ours =
        view.get()
            .managedSecret(namespace, credential.targetSecretName())
            .filter(s -> ManagedSecret.removable(s, credential.getMetadata().getUid()));
    try {
      if (ours.isPresent()) {
        int writes =
            retain
                ? namespaceSync.release(credential.getMetadata().getUid(), ours.get())
                : namespaceSync.remove(ours.get());
        log.info("cleaned up credential={} retained={} writes={}", key, retain, writes);
      }
    } catch (KubernetesClientException e) {
      // The owner reference lets the garbage collector finish if this keeps failing.
      events.warning(
          credential,
          Reason.CleanupFailed.name(),
          "cleanup failed (" + ApiErrors.describe(e) + "), retrying");
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(10));
    }
    memories.remove(key);
    tokens.forgetNamespaced(key);
    namespaceSync.forget(key);
    verifications.forget(key);
    statusWriter.forget(key);
    metrics.forget(key);
    return DeleteControl.defaultDelete();
  }
}
