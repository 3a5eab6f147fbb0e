package io.regcred.model;

import io.regcred.api.v1alpha1.RegistryCredentialStatus.SyncFailure;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a credential's passes have established: the basis of the last full pass, which target
 * namespaces were left failing (a partial pass re-examines only some namespaces and keeps what the
 * others showed), where a prune could not remove what it should, and when a retry falls due. One
 * entry per failing namespace: bounded by the namespaces that exist.
 */
public record PassHistory(
    Optional<PassScope.Basis> lastFull,
    SortedMap<String, SyncFailure> failing,
    SortedSet<String> unpruned,
    Optional<Instant> retryDue) {

  public static final PassHistory NONE =
      new PassHistory(Optional.empty(), new TreeMap<>(), new TreeSet<>(), Optional.empty());

  public PassHistory {
    failing = new TreeMap<>(failing);
    unpruned = new TreeSet<>(unpruned);
  }

  /** The scope of a pass made now with this basis, given the namespaces marked since the last. */
  public PassScope scope(PassScope.Basis current, Set<String> marked) {
    Set<String> retrying = new TreeSet<>(failing.keySet());
    retrying.addAll(unpruned);
    return PassScope.decide(lastFull, current, retryDue, marked, retrying);
  }

  /** Whether a retry is due at this time (the pass made now is that retry). */
  public boolean retryDueAt(Instant now) {
    return retryDue.isPresent() && !now.isBefore(retryDue.get());
  }

  /**
   * The failures among the targets after a pass: this pass's own for what it examined, the earlier
   * ones for target namespaces it did not look at. A namespace that left the targets drops out.
   */
  public List<SyncFailure> failuresAfter(
      PassScope scope, Set<String> targets, Collection<SyncFailure> examined) {
    SortedMap<String, SyncFailure> merged = new TreeMap<>();
    failing.forEach(
        (ns, failure) -> {
          if (!scope.includes(ns) && targets.contains(ns)) {
            merged.put(ns, failure);
          }
        });
    examined.forEach(f -> merged.put(f.namespace(), f));
    return List.copyOf(merged.values());
  }

  /**
   * The history once a pass with this scope and basis left these failures among the targets, and
   * these namespaces where a prune failed.
   */
  public PassHistory after(
      PassScope scope,
      PassScope.Basis basis,
      Collection<SyncFailure> failures,
      Set<String> prunesFailed,
      Optional<Instant> retryDue) {
    SortedMap<String, SyncFailure> byNamespace = new TreeMap<>();
    failures.forEach(f -> byNamespace.put(f.namespace(), f));
    SortedSet<String> stillUnpruned = new TreeSet<>(prunesFailed);
    unpruned.stream().filter(ns -> !scope.includes(ns)).forEach(stillUnpruned::add);
    return new PassHistory(
        scope instanceof PassScope.Full ? Optional.of(basis) : lastFull,
        byNamespace,
        stillUnpruned,
        retryDue);
  }
}
