package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.Namespace;
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
import io.regcred.model.ManagedSecret;
import io.regcred.model.ManagedSecret.Claim;
import io.regcred.model.NamespaceView;
import io.regcred.model.PullSecretEdit;
import io.regcred.model.RefreshSchedule;
import io.regcred.model.StatusFactory;
import io.regcred.model.StatusFactory.SourceState;
import io.regcred.model.SyncReport;
import io.regcred.model.TargetSelection;
import io.regcred.model.TokenLifetime;
import io.regcred.provider.RegistryToken;
import io.regcred.provider.SourceException;
import io.regcred.provider.SourceSecrets;
import io.regcred.provider.TokenProvider;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
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
  private final ExecutorService fanOut;
  private final String sourceNamespace;
  private final String stateNamespace;
  private final Set<String> deniedNamespaces;
  private final Map<String, Integer> fetchFailures = new ConcurrentHashMap<>();
  private final Map<String, Integer> syncFailures = new ConcurrentHashMap<>();
  private TokenStore tokens;

  private Caches caches;
  private NamespaceSync namespaceSync;
  private ServiceAccountPatcher serviceAccounts;

  public RegistryCredentialReconciler(
      Function<SourceSecrets, List<TokenProvider>> providerFactory,
      EventRecorder events,
      OperatorMetrics metrics,
      Clock clock,
      ExecutorService fanOut,
      OperatorConfig config) {
    this.providerFactory = providerFactory;
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
    this.fanOut = fanOut;
    this.sourceNamespace = config.sourceNamespace();
    this.stateNamespace = config.namespace();
    this.deniedNamespaces = config.deniedNamespaces();
  }

  @Override
  public List<EventSource<?, RegistryCredential>> prepareEventSources(
      EventSourceContext<RegistryCredential> context) {
    caches = new Caches(context, sourceNamespace);
    KubernetesClient client = context.getClient();
    serviceAccounts = new ServiceAccountPatcher(client);
    namespaceSync = new NamespaceSync(client, caches, serviceAccounts, metrics);
    tokens = new TokenStore(client, stateNamespace);
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
    String name = credential.getMetadata().getName();
    var spec = credential.getSpec();
    String sourceKind = spec.getSource().kind();
    RegistryCredentialStatus previous = credential.getStatus();

    String sourceHash = ManagedSecret.sha256(Serialization.asJson(spec.getSource()));
    Optional<Duration> beforeExpiry = beforeExpiry(credential);
    Instant now = clock.instant();
    Optional<RegistryToken> current = tokens.current(credential, sourceHash, now);
    RegistryToken token;
    if (current.isPresent()
        && now.isBefore(refreshTime(credential, current.get(), beforeExpiry).orElse(now))) {
      token = current.get(); // one fetch per rotation, however many reconciles and namespaces
    } else {
      try {
        token = usable(sourceKind, provider(credential).fetch(credential));
        metrics.providerCall(sourceKind, name, true);
        tokens.remember(credential, token, sourceHash);
        fetchFailures.remove(name);
        log.info(
            "fetched credential={} source={} expiresAt={}",
            name,
            sourceKind,
            token.expiresAt().orElse(null));
      } catch (SourceException e) {
        metrics.providerCall(sourceKind, name, false);
        return sourceFailed(credential, e, current, now);
      }
    }

    Optional<Instant> nextRefresh = refreshTime(credential, token, beforeExpiry);
    SortedSet<String> targets =
        TargetSelection.namespaces(
            spec.getTarget().getNamespaces(), caches.namespaceViews(), deniedNamespaces);
    List<NamespaceSync.Result> results = syncAll(credential, targets, token, sourceHash);
    int prunes = prune(credential, targets);

    List<SyncFailure> failures = new ArrayList<>();
    int writes = prunes;
    boolean rotated = false;
    for (var r : results) {
      writes += r.writes();
      rotated |= r.rotated();
      if (!r.ok()) {
        failures.add(r.failure());
      }
      if (r.newConflict()) {
        events.warning(credential, r.failure().reason(), r.failure().message());
      }
    }
    var report =
        new SyncReport(targets.size(), targets.size() - failures.size(), failures, rotated, writes);
    var status =
        StatusFactory.build(
            previous,
            credential.getMetadata().getGeneration(),
            sourceKind,
            SourceState.available(describeSource(credential), token.expiresAt()),
            report,
            nextRefresh,
            now);
    if (rotated) {
      events.normal(credential, "Rotated", "credential updated in place in the target namespaces");
    }
    if (StatusFactory.changed(previous, status, StatusFactory.SYNCED)) {
      var synced = condition(status, StatusFactory.SYNCED);
      if ("True".equals(synced.getStatus())) {
        events.normal(credential, synced.getReason(), synced.getMessage());
      } else if (!Claim.blocks(synced.getReason())) {
        events.warning(credential, synced.getReason(), synced.getMessage());
      }
    }
    if (writes > 0 || !failures.isEmpty()) {
      log.info(
          "reconciled credential={} targeted={} synced={} failed={} writes={}",
          name,
          report.targeted(),
          report.synced(),
          failures.size(),
          writes);
    }
    metrics.credentialState(
        name, token.expiresAt(), report.targeted(), report.synced(), failures.size());
    UpdateControl<RegistryCredential> control = statusUpdate(credential, status);
    Optional<Duration> untilRefresh =
        nextRefresh.map(at -> atLeastASecond(Duration.between(now, at)));
    if (failures.stream().anyMatch(f -> !Claim.blocks(f.reason()))) {
      Duration retry =
          RefreshSchedule.retryDelay(
              syncFailures.merge(name, 1, Integer::sum), now, token.expiresAt());
      return control.rescheduleAfter(
          untilRefresh.filter(d -> d.compareTo(retry) < 0).orElse(retry));
    }
    syncFailures.remove(name);
    // The operator schedules the refresh itself; the framework's periodic resync is no substitute.
    return untilRefresh.map(control::rescheduleAfter).orElse(control);
  }

  /**
   * The source failed: Secrets stay as they are, the status says why (and shows the expiry of the
   * token still in the Secrets), and the fetch is retried with backoff that never passes that
   * expiry.
   */
  private UpdateControl<RegistryCredential> sourceFailed(
      RegistryCredential credential,
      SourceException e,
      Optional<RegistryToken> lastGood,
      Instant now) {
    String name = credential.getMetadata().getName();
    log.warn(
        "source unavailable credential={} reason={} message={}", name, e.reason(), e.getMessage());
    int failures = fetchFailures.merge(name, 1, Integer::sum);
    Optional<Instant> lastExpiry = lastGood.flatMap(RegistryToken::expiresAt);
    metrics.tokenExpiry(name, lastExpiry);
    boolean expiring =
        lastGood.isPresent()
            && lastExpiry.isPresent()
            && RefreshSchedule.expiring(lastGood.get().issuedAt(), lastExpiry.get(), now);
    SourceState source =
        lastExpiry.isPresent()
            ? SourceState.failed(e.reason(), e.getMessage(), lastExpiry.get(), expiring)
            : SourceState.failed(e.reason(), e.getMessage());
    var status =
        StatusFactory.build(
            credential.getStatus(),
            credential.getMetadata().getGeneration(),
            credential.getSpec().getSource().kind(),
            source,
            null,
            Optional.empty(),
            now);
    if (StatusFactory.changed(credential.getStatus(), status, StatusFactory.SOURCE_AVAILABLE)) {
      events.warning(credential, e.reason(), e.getMessage());
    }
    if (expiring && StatusFactory.changed(credential.getStatus(), status, StatusFactory.READY)) {
      events.warning(credential, "Expiring", condition(status, StatusFactory.READY).getMessage());
    }
    return statusUpdate(credential, status)
        .rescheduleAfter(RefreshSchedule.retryDelay(failures, now, lastExpiry));
  }

  /**
   * A fetched token, if its lifetime is one the source can have: an expiry in the past or seconds
   * away would refetch in a hot loop, one far beyond the documented maximum would never rotate.
   */
  private RegistryToken usable(String sourceKind, RegistryToken token) throws SourceException {
    var problem = TokenLifetime.problem(sourceKind, token, clock.instant());
    if (problem.isPresent()) {
      throw new SourceException(
          "ProviderError",
          "the " + sourceKind + " source returned an unusable token: " + problem.get());
    }
    return token;
  }

  /** When a token must be replaced; empty for credentials that do not expire. */
  private static Optional<Instant> refreshTime(
      RegistryCredential credential, RegistryToken token, Optional<Duration> beforeExpiry) {
    return token
        .expiresAt()
        .map(
            expires ->
                RefreshSchedule.nextRefresh(
                    token.issuedAt(),
                    expires,
                    beforeExpiry,
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

  private static Duration atLeastASecond(Duration d) {
    return d.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : d;
  }

  @Override
  public DeleteControl cleanup(RegistryCredential credential, Context<RegistryCredential> context) {
    String name = credential.getMetadata().getName();
    boolean retain = credential.getSpec().effectiveDeletionPolicy() == DeletionPolicy.Retain;
    int removed = 0;
    List<String> failed = new ArrayList<>();
    if (!retain) {
      for (Secret secret : caches.secretsOf(name)) {
        if (!ManagedSecret.removable(secret, credential)) {
          continue; // labelled like ours, but without our owner reference: not ours to delete
        }
        try {
          removeFromNamespace(secret);
          removed++;
        } catch (KubernetesClientException e) {
          failed.add(secret.getMetadata().getNamespace() + " (" + ApiErrors.describe(e) + ")");
        }
      }
    }
    if (!failed.isEmpty()) {
      // The framework logs what is thrown and retries: a message of ours, never the client's.
      throw new IllegalStateException(
          "cleanup of credential " + name + " failed in " + String.join(", ", failed));
    }
    namespaceSync.forget(name);
    fetchFailures.remove(name);
    syncFailures.remove(name);
    tokens.forget(name);
    metrics.forget(name);
    log.info("cleaned up credential={} secretsRemoved={} retained={}", name, removed, retain);
    return DeleteControl.defaultDelete();
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

  /**
   * Removes our Secrets (and our ServiceAccount entries) where they are no longer wanted: a
   * namespace that left the target set, or an old Secret name. Retain leaves everything.
   */
  private int prune(RegistryCredential credential, Set<String> targets) {
    if (credential.getSpec().effectiveDeletionPolicy() == DeletionPolicy.Retain) {
      return 0;
    }
    String secretName = credential.targetSecretName();
    int writes = 0;
    for (Secret secret : caches.secretsOf(credential.getMetadata().getName())) {
      String ns = secret.getMetadata().getNamespace();
      boolean wanted = targets.contains(ns) && secretName.equals(secret.getMetadata().getName());
      if (wanted || !caches.namespaceActive(ns) || !ManagedSecret.removable(secret, credential)) {
        continue;
      }
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
      caches.client().resource(secret).withGracePeriod(0).delete();
      writes++;
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
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
                    "SourceNotSupported",
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

  /** Only write status when it changed: a steady state costs no writes. */
  private static UpdateControl<RegistryCredential> statusUpdate(
      RegistryCredential credential, RegistryCredentialStatus status) {
    if (status.equals(credential.getStatus())) {
      return UpdateControl.noUpdate();
    }
    credential.setStatus(status);
    return UpdateControl.patchStatus(credential);
  }

  private static io.fabric8.kubernetes.api.model.Condition condition(
      RegistryCredentialStatus status, String type) {
    return StatusFactory.find(status, type).orElseThrow();
  }

  static NamespaceView view(Namespace ns) {
    boolean terminating =
        ns.getMetadata().getDeletionTimestamp() != null
            || (ns.getStatus() != null && "Terminating".equals(ns.getStatus().getPhase()));
    return new NamespaceView(ns.getMetadata().getName(), ns.getMetadata().getLabels(), terminating);
  }
}
