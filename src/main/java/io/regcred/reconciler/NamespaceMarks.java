package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import java.util.HashSet;
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

  private final ConcurrentHashMap<String, Set<String>> marked = new ConcurrentHashMap<>();
  private final Predicate<ResourceID> credentialExists;

  /**
   * @param credentialExists whether a credential exists: a label on a tenant's Secret can name any
   *     credential, and marks for ones that do not exist would never be taken
   */
  NamespaceMarks(Predicate<ResourceID> credentialExists) {
    this.credentialExists = credentialExists;
  }

  /** A mapper that also marks the event's namespace for every credential it maps to. */
  <R extends HasMetadata> SecondaryToPrimaryMapper<R> marking(
      SecondaryToPrimaryMapper<R> mapper, Function<R, String> namespaceOf) {
    return resource -> {
      Set<ResourceID> credentials = mapper.toPrimaryResourceIDs(resource);
      String namespace = namespaceOf.apply(resource);
      for (ResourceID credential : credentials) {
        if (namespace != null && credentialExists.test(credential)) {
          // compute is atomic with take's remove: no mark lands in a set already taken.
          marked.compute(
              credential.getName(),
              (name, namespaces) -> {
                Set<String> set = namespaces == null ? new HashSet<>() : namespaces;
                set.add(namespace);
                return set;
              });
        }
      }
      return credentials;
    };
  }

  /** The namespaces marked for a credential since the last call, which clears them. */
  Set<String> take(String credential) {
    Set<String> namespaces = marked.remove(credential);
    return namespaces == null ? Set.of() : Set.copyOf(namespaces);
  }
}
