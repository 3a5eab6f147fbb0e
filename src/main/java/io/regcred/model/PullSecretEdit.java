package io.regcred.model;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.regcred.Annotations;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Edits of a ServiceAccount's {@code imagePullSecrets} that touch only our own entry. The list is
 * atomic in the Kubernetes API, so callers write the result back with the resourceVersion it was
 * read at; which entries we added is remembered in an annotation written in the same update, so an
 * entry someone else put there is never removed.
 */
public final class PullSecretEdit {

  private PullSecretEdit() {}

  /** Longest Secret name Kubernetes allows; longer entries cannot name a Secret of ours. */
  static final int MAX_NAME = 253;

  /** Longest value of our annotation the cache keeps. */
  static final int MAX_ADDED = 4096;

  /**
   * What the operator keeps of a ServiceAccount: identity, labels (selectors read them), the names
   * in imagePullSecrets and our annotation. Everything else a tenant may put on it (annotations,
   * secrets, owner references of any size) is dropped. Where the copy leaves out an entry or our
   * annotation, it says so ({@link Annotations#OBSERVED_INCOMPLETE}) and no write starts from it
   * (see {@link #mergePatch}).
   */
  public static ServiceAccount observed(ServiceAccount full) {
    var meta = full.getMetadata();
    Map<String, String> annotations = new LinkedHashMap<>();
    String added =
        meta.getAnnotations() == null
            ? null
            : meta.getAnnotations().get(Annotations.ADDED_PULL_SECRETS);
    boolean complete = true;
    if (added != null && added.length() <= MAX_ADDED) {
      annotations.put(Annotations.ADDED_PULL_SECRETS, added);
    } else if (added != null) {
      complete = false;
    }
    List<LocalObjectReference> entries =
        full.getImagePullSecrets() == null ? List.of() : full.getImagePullSecrets();
    List<LocalObjectReference> kept =
        entries.stream()
            .filter(r -> r != null && r.getName() != null && r.getName().length() <= MAX_NAME)
            .map(r -> new LocalObjectReference(r.getName()))
            .toList();
    if (!complete || kept.size() != entries.size()) {
      annotations.put(Annotations.OBSERVED_INCOMPLETE, "true");
    }
    return new ServiceAccountBuilder()
        .withNewMetadata()
        .withName(meta.getName())
        .withNamespace(meta.getNamespace())
        .withUid(meta.getUid())
        .withResourceVersion(meta.getResourceVersion())
        .withLabels(meta.getLabels())
        .withAnnotations(annotations)
        .endMetadata()
        .withImagePullSecrets(kept)
        .build();
  }

  /**
   * An edit of the cached copy as a JSON merge patch that needs no read first: the whole
   * imagePullSecrets list and our annotation, with the resourceVersion the copy was cached at as a
   * precondition, so the API server refuses it (409) if the ServiceAccount changed since.
   * Everything else on the ServiceAccount is left as it is. Empty when the copy is incomplete
   * ({@link #observed}): a list written from it would drop entries.
   *
   * @param edited what {@link #add} or {@link #remove} made of the cached copy
   */
  public static Optional<Map<String, Object>> mergePatch(ServiceAccount edited) {
    var meta = edited.getMetadata();
    var annotations =
        meta.getAnnotations() == null ? Map.<String, String>of() : meta.getAnnotations();
    if (annotations.containsKey(Annotations.OBSERVED_INCOMPLETE)
        || meta.getResourceVersion() == null) {
      return Optional.empty();
    }
    // null deletes the key in a merge patch (RFC 7386).
    Map<String, Object> ours = new LinkedHashMap<>();
    ours.put(Annotations.ADDED_PULL_SECRETS, annotations.get(Annotations.ADDED_PULL_SECRETS));
    List<Map<String, String>> entries =
        (edited.getImagePullSecrets() == null
                ? List.<LocalObjectReference>of()
                : edited.getImagePullSecrets())
            .stream().map(r -> Map.of("name", r.getName())).toList();
    return Optional.of(
        Map.of(
            "metadata",
            Map.of("resourceVersion", meta.getResourceVersion(), "annotations", ours),
            "imagePullSecrets",
            entries));
  }

  /** Whether the ServiceAccount already references the Secret. */
  public static boolean references(ServiceAccount sa, String secretName) {
    return sa.getImagePullSecrets() != null
        && sa.getImagePullSecrets().stream().anyMatch(r -> secretName.equals(r.getName()));
  }

  /** A copy with our entry appended, or empty when the entry is already there. */
  public static Optional<ServiceAccount> add(ServiceAccount sa, String secretName) {
    if (references(sa, secretName)) {
      return Optional.empty();
    }
    ServiceAccount copy = new ServiceAccountBuilder(sa).build();
    List<LocalObjectReference> entries =
        copy.getImagePullSecrets() == null
            ? new ArrayList<>()
            : new ArrayList<>(copy.getImagePullSecrets());
    entries.add(new LocalObjectReference(secretName));
    copy.setImagePullSecrets(entries);
    Set<String> ours = added(sa);
    ours.add(secretName);
    setAdded(copy, ours);
    return Optional.of(copy);
  }

  /** A copy without our entry, or empty when we never added it (or it is already gone). */
  public static Optional<ServiceAccount> remove(ServiceAccount sa, String secretName) {
    Set<String> ours = added(sa);
    if (!ours.remove(secretName)) {
      return Optional.empty();
    }
    ServiceAccount copy = new ServiceAccountBuilder(sa).build();
    if (copy.getImagePullSecrets() != null) {
      List<LocalObjectReference> kept = new ArrayList<>(copy.getImagePullSecrets());
      kept.removeIf(r -> secretName.equals(r.getName()));
      copy.setImagePullSecrets(kept);
    }
    setAdded(copy, ours);
    return Optional.of(copy);
  }

  /** The entries this operator added, from the annotation. */
  public static Set<String> added(ServiceAccount sa) {
    var annotations = sa.getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(Annotations.ADDED_PULL_SECRETS);
    Set<String> result = new LinkedHashSet<>();
    if (value != null && !value.isBlank()) {
      Arrays.stream(value.split(","))
          .map(String::trim)
          .filter(s -> !s.isEmpty())
          .forEach(result::add);
    }
    return result;
  }

  private static void setAdded(ServiceAccount sa, Set<String> names) {
    var meta = sa.getMetadata();
    if (meta.getAnnotations() == null) {
      meta.setAnnotations(new java.util.LinkedHashMap<>());
    } else {
      meta.setAnnotations(new java.util.LinkedHashMap<>(meta.getAnnotations()));
    }
    if (names.isEmpty()) {
      meta.getAnnotations().remove(Annotations.ADDED_PULL_SECRETS);
    } else {
      meta.getAnnotations().put(Annotations.ADDED_PULL_SECRETS, String.join(",", names));
    }
  }
}
