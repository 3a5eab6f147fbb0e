package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.regcred.Labels;
import io.regcred.api.v1alpha1.RegistryCredential;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * What the cluster kind's caches see that concerns namespaced credentials: a ServiceAccount changed
 * in a namespace, or a Secret labelled for a namespaced credential changed. Both kinds read the
 * same informers (ServiceAccounts and labelled Secrets are cached once, not once per kind); this
 * passes their events on as reconciles of the namespaced credentials they concern.
 */
public final class NamespacedTriggers {

  private volatile SimpleInboundEventSource<RegistryCredential> events;
  private volatile Function<String, Stream<RegistryCredential>> credentialsIn;

  /** Connects the namespaced controller once its event source and cache exist. */
  void bind(
      SimpleInboundEventSource<RegistryCredential> events,
      Function<String, Stream<RegistryCredential>> credentialsIn) {
    this.credentialsIn = credentialsIn;
    this.events = events;
  }

  /** Every namespaced credential of the ServiceAccount's namespace looks again. */
  void serviceAccountChanged(ServiceAccount serviceAccount) {
    var out = events;
    var in = credentialsIn;
    if (out == null || in == null) {
      return; // not started yet: its first reconciles read the caches anyway
    }
    in.apply(serviceAccount.getMetadata().getNamespace())
        .forEach(c -> out.propagateEvent(ResourceID.fromResource(c)));
  }

  /** The namespaced credential a Secret is labelled for looks again, if there is one. */
  void secretChanged(Secret secret) {
    var out = events;
    var labels = secret.getMetadata().getLabels();
    String credential = labels == null ? null : labels.get(Labels.NAMESPACED_CREDENTIAL);
    if (out != null && credential != null) {
      out.propagateEvent(new ResourceID(credential, secret.getMetadata().getNamespace()));
    }
  }
}
