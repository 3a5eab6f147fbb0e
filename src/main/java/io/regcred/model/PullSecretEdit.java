package io.regcred.model;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.regcred.Annotations;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
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
