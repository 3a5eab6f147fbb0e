package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnAddFilter;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnDeleteFilter;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The namespaces each credential has seen events for since its last pass, so that the pass can look
 * at just those. A mark is set before the framework hears of the event and taken at the start of
 * the pass: an event arriving during a pass is marked for the next one, which the framework runs
 * because of that event.
 */
final class NamespaceMarks {

  /**
   * Per credential: the namespaces marked, and of them those a running pass has not judged since
   * they were marked ({@link #take(String, Predicate)}), so that a pass judges each event once, not
   * every mark again each time it looks.
   */
  private static final class Marked {
    final Set<String> all = new HashSet<>();
    final Set<String> unjudged = new LinkedHashSet<>();
  }

  private final ConcurrentHashMap<String, Marked> marked = new ConcurrentHashMap<>();
  private final Predicate<ResourceID> credentialExists;

  /**
   * @param credentialExists whether a credential exists: a label on a tenant's Secret can name any
   *     credential, and marks for ones that do not exist would never be taken
   */
  NamespaceMarks(Predicate<ResourceID> credentialExists) {
    this.credentialExists = credentialExists;
  }

  /**
   * Event filters that mark the event's namespace for the credentials the mapper maps it to. Marks
   * are set in the filters, not the mapper: the framework runs filters only for events it passes
   * on, after it has recognised the echoes of our own writes, while it calls the mapper for those
   * echoes too (and for every cached object when an informer starts).
   */
  <R extends HasMetadata> Marking<R> marking(
      SecondaryToPrimaryMapper<R> mapper, Function<R, String> namespaceOf) {
    return new Marking<>(mapper, namespaceOf);
  }

  /** The filters of one informer. */
  final class Marking<R extends HasMetadata> {
    private final SecondaryToPrimaryMapper<R> mapper;
    private final Function<R, String> namespaceOf;

    private Marking(SecondaryToPrimaryMapper<R> mapper, Function<R, String> namespaceOf) {
      this.mapper = mapper;
      this.namespaceOf = namespaceOf;
    }

    OnAddFilter<R> onAdd() {
      return added -> mark(added);
    }

    /**
     * @param relevant which updates matter at all; others are neither marked nor passed on
     */
    OnUpdateFilter<R> onUpdate(OnUpdateFilter<R> relevant) {
      // The object before counts too: relabelled away from a credential, it concerns that one.
      return (now, before) -> relevant.accept(now, before) && mark(before) && mark(now);
    }

    OnDeleteFilter<R> onDelete() {
      return (deleted, finalStateUnknown) -> mark(deleted);
    }

    private boolean mark(R resource) {
      String namespace = namespaceOf.apply(resource);
      if (namespace == null) {
        return true;
      }
      for (ResourceID credential : mapper.toPrimaryResourceIDs(resource)) {
        if (credentialExists.test(credential)) {
          // compute is atomic with take's remove: no mark lands in a set already taken.
          marked.compute(
              credential.getName(),
              (name, marks) -> {
                Marked m = marks == null ? new Marked() : marks;
                m.all.add(namespace);
                m.unjudged.add(namespace);
                return m;
              });
        }
      }
      return true;
    }
  }

  /**
   * Of the namespaces marked for a credential since this was last asked (or {@link #judgeAgain put
   * forward again}), those wanted now, which it clears; the others stay marked for the next pass
   * and are not judged again until they are marked again or put forward.
   */
  Set<String> take(String credential, Predicate<String> wanted) {
    Set<String> taken = new HashSet<>();
    marked.computeIfPresent(
        credential,
        (name, m) -> {
          for (String ns : m.unjudged) {
            if (wanted.test(ns)) {
              m.all.remove(ns);
              taken.add(ns);
            }
          }
          m.unjudged.clear();
          return m.all.isEmpty() ? null : m;
        });
    return taken;
  }

  /**
   * Puts a namespace that is still marked forward to be judged again by {@link #take(String,
   * Predicate)}: it was judged while it could not be wanted (a write to it was in flight).
   */
  void judgeAgain(String credential, String namespace) {
    marked.computeIfPresent(
        credential,
        (name, m) -> {
          if (m.all.contains(namespace)) {
            m.unjudged.add(namespace);
          }
          return m;
        });
  }

  /** The namespaces marked for a credential since the last call, which clears them. */
  Set<String> take(String credential) {
    Marked m = marked.remove(credential);
    return m == null ? Set.of() : Set.copyOf(m.all);
  }
}
