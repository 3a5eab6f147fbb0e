package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.javaoperatorsdk.operator.api.config.informer.FieldSelector;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.EventSourceRetriever;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.regcred.Labels;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.NamespaceTarget;
import io.regcred.api.v1alpha1.Source;
import io.regcred.model.ManagedSecret;
import io.regcred.model.NamespaceView;
import io.regcred.model.PullSecretEdit;
import io.regcred.model.TargetSelection;
import io.regcred.provider.SourceSecrets;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The four informers the reconciler reads from, each mapped back to the credentials it concerns:
 * all Namespaces and ServiceAccounts (any credential may target them), only the Secrets carrying
 * our label (never every Secret in the cluster), and the Secrets of the source namespace.
 */
public class Caches implements ClusterView, SourceSecrets {

  private final KubernetesClient client;
  private final String sourceNamespace;
  private final InformerEventSource<Namespace, ClusterRegistryCredential> namespaces;

  /** Counts the namespace changes that can change a selection (see {@link #targets}). */
  private final AtomicLong namespaceRevision = new AtomicLong();

  private final Map<String, SelectedTargets> selectedTargets = new ConcurrentHashMap<>();
  private final InformerEventSource<ServiceAccount, ClusterRegistryCredential> serviceAccounts;
  private final InformerEventSource<Secret, ClusterRegistryCredential> managedSecrets;
  private final InformerEventSource<Secret, ClusterRegistryCredential> sourceSecrets;
  private final NamespaceMarks marks;

  /** Labelled Secrets per page of the managed-Secret informer's list (up to 1 MiB each). */
  static final long MANAGED_LIST_PAGE = 100;

  /**
   * The managed-Secret cache's index by the credential a Secret is labelled for. Lookups go through
   * indexes (this one, and the informers' own by namespace), never over the whole cache: a pass
   * then costs what it looks at, not the cluster's size.
   */
  private static final String BY_CREDENTIAL = "credential";

  public Caches(
      EventSourceContext<ClusterRegistryCredential> context,
      String sourceNamespace,
      Set<String> deniedNamespaces,
      NamespacedTriggers namespaced) {
    this.client = context.getClient();
    this.sourceNamespace = sourceNamespace;
    var primaries = context.getPrimaryCache();
    this.marks = new NamespaceMarks(id -> primaries.get(id).isPresent());
    this.namespaces =
        new InformerEventSource<>(
            marked(
                    InformerEventSourceConfiguration.from(
                            Namespace.class, ClusterRegistryCredential.class)
                        .withName("namespaces"),
                    new NamespaceToCredentialsMapper(
                        primaries::list, this::credentialsWithSecretsIn, deniedNamespaces),
                    ns -> ns.getMetadata().getName(),
                    (now, before) ->
                        !Objects.equals(
                                now.getMetadata().getLabels(), before.getMetadata().getLabels())
                            || !Objects.equals(
                                now.getMetadata().getDeletionTimestamp(),
                                before.getMetadata().getDeletionTimestamp()),
                    // After the cache has the change: a selection made before it was read
                    // again is made again.
                    changed -> namespaceRevision.incrementAndGet())
                .build(),
            context);
    this.serviceAccounts =
        new InformerEventSource<>(
            marked(
                    InformerEventSourceConfiguration.from(
                            ServiceAccount.class, ClusterRegistryCredential.class)
                        .withName("serviceaccounts")
                        .withItemStore(new TrimmingItemStore<>(PullSecretEdit::observed)),
                    new ServiceAccountToCredentialsMapper(
                        primaries::list,
                        name -> namespace(name).map(NamespaceView::of),
                        deniedNamespaces),
                    sa -> sa.getMetadata().getNamespace(),
                    (now, before) ->
                        !Objects.equals(now.getImagePullSecrets(), before.getImagePullSecrets())
                            || !Objects.equals(
                                now.getMetadata().getLabels(), before.getMetadata().getLabels()),
                    namespaced::serviceAccountChanged)
                .build(),
            context);
    this.managedSecrets =
        new InformerEventSource<>(
            marked(
                    InformerEventSourceConfiguration.from(
                            Secret.class, ClusterRegistryCredential.class)
                        .withName("managed-secrets")
                        .withLabelSelector(Labels.MANAGED_SELECTOR)
                        // Anyone who can write a Secret can put our label on it: the cache keeps
                        // no data and the first list comes in pages, so memory does not follow
                        // what tenants write.
                        .withItemStore(new TrimmingItemStore<>(ManagedSecret::observed))
                        .withInformerListLimit(MANAGED_LIST_PAGE),
                    Caches::credentialOf,
                    secret -> secret.getMetadata().getNamespace(),
                    (now, before) -> true,
                    namespaced::secretChanged)
                .build(),
            context);
    managedSecrets.addIndexers(
        Map.of(
            BY_CREDENTIAL,
            secret ->
                Optional.ofNullable(labels(secret).get(Labels.CREDENTIAL)).stream().toList()));
    this.sourceSecrets =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Secret.class, ClusterRegistryCredential.class)
                .withName("source-secrets")
                .withNamespaces(Set.of(sourceNamespace))
                .withSecondaryToPrimaryMapper(
                    secret ->
                        primaries
                            .list()
                            .filter(
                                c ->
                                    referencedSecret(c)
                                        .filter(secret.getMetadata().getName()::equals)
                                        .isPresent())
                            .map(ResourceID::fromResource)
                            .collect(Collectors.toSet()))
                .build(),
            context);
  }

  List<EventSource<?, ClusterRegistryCredential>> eventSources() {
    return List.of(namespaces, serviceAccounts, managedSecrets, sourceSecrets);
  }

  /**
   * An event source for Secrets under one name in every namespace, kept as the managed ones are
   * (without data), whose events concern the credentials with that target name that target the
   * namespace.
   */
  InformerEventSource<Secret, ClusterRegistryCredential> secretsNamed(
      String secretName,
      EventSourceRetriever<ClusterRegistryCredential> retriever,
      Set<String> deniedNamespaces) {
    var context = retriever.eventSourceContextForDynamicRegistration();
    SecondaryToPrimaryMapper<Secret> concerned =
        secret ->
            Labels.MANAGED_BY_VALUE.equals(labels(secret).get(Labels.MANAGED_BY))
                ? Set.of() // labelled as ours: the managed-Secret informer has those
                : namespace(secret.getMetadata().getNamespace())
                    .map(NamespaceView::of)
                    .map(
                        view ->
                            context
                                .getPrimaryCache()
                                .list()
                                .filter(c -> secretName.equals(c.targetSecretName()))
                                .filter(c -> TargetSelection.targets(c, view, deniedNamespaces))
                                .map(ResourceID::fromResource)
                                .collect(Collectors.toSet()))
                    .orElse(Set.of());
    return new InformerEventSource<>(
        marked(
                InformerEventSourceConfiguration.from(Secret.class, ClusterRegistryCredential.class)
                    .withName(ConflictWatches.sourceName(secretName))
                    .withFieldSelector(
                        new FieldSelector(new FieldSelector.Field("metadata.name", secretName)))
                    .withItemStore(new TrimmingItemStore<>(ManagedSecret::observed))
                    .withInformerListLimit(MANAGED_LIST_PAGE),
                concerned,
                secret -> secret.getMetadata().getNamespace(),
                (now, before) -> true)
            .build(),
        context);
  }

  /**
   * The informer's mapper, and filters that mark each event's namespace for the credentials it
   * concerns (see {@link NamespaceMarks}).
   *
   * @param relevant which updates matter at all
   */
  private <R extends HasMetadata> InformerEventSourceConfiguration.Builder<R> marked(
      InformerEventSourceConfiguration.Builder<R> informer,
      SecondaryToPrimaryMapper<R> mapper,
      Function<R, String> namespaceOf,
      OnUpdateFilter<R> relevant) {
    return marked(informer, mapper, namespaceOf, relevant, changed -> {});
  }

  /**
   * The same, also telling the namespaced kind of each change that passes: from the filters, which
   * the framework runs only for changes that matter and not for the echoes of our own writes (the
   * mapper runs for those too).
   */
  private <R extends HasMetadata> InformerEventSourceConfiguration.Builder<R> marked(
      InformerEventSourceConfiguration.Builder<R> informer,
      SecondaryToPrimaryMapper<R> mapper,
      Function<R, String> namespaceOf,
      OnUpdateFilter<R> relevant,
      java.util.function.Consumer<R> tell) {
    var marking = marks.marking(mapper, namespaceOf);
    var onAdd = marking.onAdd();
    // Relevance is judged once, below, for both the marks and the namespaced kind.
    var onUpdate = marking.onUpdate((now, before) -> true);
    var onDelete = marking.onDelete();
    return informer
        .withSecondaryToPrimaryMapper(mapper)
        .withOnAddFilter(
            added -> {
              tell.accept(added);
              return onAdd.accept(added);
            })
        .withOnUpdateFilter(
            (now, before) -> {
              if (!relevant.accept(now, before)) {
                return false;
              }
              tell.accept(before);
              tell.accept(now);
              return onUpdate.accept(now, before);
            })
        .withOnDeleteFilter(
            (deleted, finalStateUnknown) -> {
              tell.accept(deleted);
              return onDelete.accept(deleted, finalStateUnknown);
            });
  }

  /** The namespaces events were seen for since the credential's last pass; clears them. */
  Set<String> takeMarked(String credential) {
    return marks.take(credential);
  }

  /** Of the namespaces marked for the credential, those wanted now; the others stay marked. */
  Set<String> takeMarked(String credential, Predicate<String> wanted) {
    return marks.take(credential, wanted);
  }

  /** Puts a namespace still marked for the credential forward to be judged again. */
  void judgeAgain(String credential, String namespace) {
    marks.judgeAgain(credential, namespace);
  }

  KubernetesClient client() {
    return client;
  }

  @Override
  public Collection<Namespace> namespaces() {
    return namespaces.list().toList();
  }

  @Override
  public Optional<Namespace> namespace(String name) {
    return namespaces.get(new ResourceID(name));
  }

  /**
   * The namespaces a credential's target selects, and those it names that the operator denies.
   *
   * @param targeted sorted, as passes write them
   */
  record Targets(SortedSet<String> targeted, SortedSet<String> deniedNames) {}

  /** What was selected, for which namespaces (revision) and which spec (UID, generation). */
  private record SelectedTargets(long revision, String spec, Targets targets) {}

  /**
   * The credential's {@link Targets}, selected again only when a namespace came, went, or changed
   * its labels or deletion since the last selection, or the target changed: a pass triggered by a
   * Secret or ServiceAccount event does not look at every namespace's labels again.
   */
  Targets targets(ClusterRegistryCredential credential, Set<String> denied) {
    long revision = namespaceRevision.get(); // before the read: a change during it selects again
    String name = credential.getMetadata().getName();
    String spec =
        credential.getMetadata().getUid() + "/" + credential.getMetadata().getGeneration();
    SelectedTargets last = selectedTargets.get(name);
    if (last != null && last.revision() == revision && last.spec().equals(spec)) {
      return last.targets();
    }
    NamespaceTarget target = credential.getSpec().getTarget().getNamespaces();
    List<NamespaceView> views = namespaces.list().map(NamespaceView::of).toList();
    Targets targets =
        new Targets(
            Collections.unmodifiableSortedSet(TargetSelection.namespaces(target, views, denied)),
            Collections.unmodifiableSortedSet(TargetSelection.deniedNames(target, views, denied)));
    selectedTargets.put(name, new SelectedTargets(revision, spec, targets));
    return targets;
  }

  /** Forgets what was selected for a credential that is gone. */
  void forgetTargets(String credential) {
    selectedTargets.remove(credential);
  }

  /** Whether the namespace exists and is not being deleted. */
  boolean namespaceActive(String name) {
    return namespace(name).map(NamespaceView::of).filter(v -> !v.terminating()).isPresent();
  }

  @Override
  public Optional<Secret> managedSecret(String namespace, String name) {
    return managedSecrets.get(new ResourceID(name, namespace));
  }

  @Override
  public List<Secret> secretsOf(String credentialName) {
    return managedSecrets.byIndex(BY_CREDENTIAL, credentialName);
  }

  /** The credential's Secrets in these namespaces, read per namespace from the cache. */
  List<Secret> secretsOf(String credentialName, Collection<String> namespaces) {
    return namespaces.stream()
        .flatMap(ns -> managedSecretsIn(ns).stream())
        .filter(s -> credentialName.equals(labels(s).get(Labels.CREDENTIAL)))
        .toList();
  }

  /** The namespace's ServiceAccounts, each as our own last write left it if that is newer. */
  @Override
  public List<ServiceAccount> serviceAccounts(String namespace) {
    return serviceAccounts.byIndex(Cache.NAMESPACE_INDEX, namespace).stream()
        .map(sa -> serviceAccounts.get(ResourceID.fromResource(sa)).orElse(sa))
        .toList();
  }

  @Override
  public void serviceAccountWritten(ServiceAccount written, ServiceAccount previous) {
    ServiceAccount observed = PullSecretEdit.observed(written);
    serviceAccounts.handleRecentResourceUpdate(
        ResourceID.fromResource(observed), observed, previous);
  }

  @Override
  public List<Secret> managedSecretsIn(String namespace) {
    return managedSecrets.byIndex(Cache.NAMESPACE_INDEX, namespace);
  }

  @Override
  public void secretWritten(Secret written, Secret previous) {
    Secret observed = ManagedSecret.observed(written);
    if (previous == null) {
      managedSecrets.handleRecentResourceCreate(ResourceID.fromResource(observed), observed);
    } else {
      managedSecrets.handleRecentResourceUpdate(
          ResourceID.fromResource(observed), observed, previous);
    }
  }

  @Override
  public String namespace() {
    return sourceNamespace;
  }

  @Override
  public Optional<Secret> get(String name) {
    return sourceSecrets.get(new ResourceID(name, sourceNamespace));
  }

  /** The source-namespace Secret a credential reads, if any. */
  static Optional<String> referencedSecret(ClusterRegistryCredential credential) {
    if (credential.getSpec() == null || credential.getSpec().getSource() == null) {
      return Optional.empty();
    }
    Source s = credential.getSpec().getSource();
    return Stream.of(
            s.getStaticSource() == null ? null : s.getStaticSource().getSecretRef(),
            s.getEcr() == null ? null : s.getEcr().getCredentialsSecretRef(),
            s.getAcr() == null ? null : s.getAcr().getCredentialsSecretRef(),
            s.getGar() == null ? null : s.getGar().getCredentialsSecretRef())
        .filter(Objects::nonNull)
        .map(ref -> ref.getName())
        .findFirst();
  }

  /** Names of the credentials with a Secret of ours in a namespace. */
  private Set<String> credentialsWithSecretsIn(String namespace) {
    return managedSecretsIn(namespace).stream()
        .map(s -> labels(s).get(Labels.CREDENTIAL))
        .filter(Objects::nonNull)
        .collect(Collectors.toSet());
  }

  private static Set<ResourceID> credentialOf(Secret secret) {
    String name = labels(secret).get(Labels.CREDENTIAL);
    return name == null ? Set.of() : Set.of(new ResourceID(name));
  }

  private static Map<String, String> labels(HasMetadata resource) {
    var labels = resource.getMetadata().getLabels();
    return labels == null ? Map.of() : labels;
  }
}
