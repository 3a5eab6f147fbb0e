package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.regcred.Labels;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.model.PullSecretEdit;
import io.regcred.model.TargetSelection;
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

  /**
   * The namespaced credentials of the ServiceAccount's namespace it concerns look again: those that
   * select it, that it lists (our entry may have to go), or whose source uses its identity.
   */
  void serviceAccountChanged(ServiceAccount serviceAccount) {
    var out = events;
    var in = credentialsIn;
    if (out == null || in == null) {
      return; // not started yet: its first reconciles read the caches anyway
    }
    in.apply(serviceAccount.getMetadata().getNamespace())
        .filter(c -> concerns(c, serviceAccount))
        .forEach(c -> out.propagateEvent(ResourceID.fromResource(c)));
  }

  static boolean concerns(RegistryCredential credential, ServiceAccount serviceAccount) {
    if (credential.getSpec() == null) {
      return false;
    }
    String name = serviceAccount.getMetadata().getName();
    var target = credential.getSpec().getTarget();
    return TargetSelection.serviceAccountSelected(
            target == null ? null : target.getServiceAccounts(),
            name,
            serviceAccount.getMetadata().getLabels())
        || PullSecretEdit.references(serviceAccount, credential.targetSecretName())
        || name.equals(identityServiceAccount(credential));
  }

  private static String identityServiceAccount(RegistryCredential credential) {
    var source = credential.getSpec().getSource();
    if (source == null) {
      return null;
    }
    if (source.getEcr() != null) {
      return source.getEcr().getServiceAccountName();
    }
    if (source.getAcr() != null) {
      return source.getAcr().getServiceAccountName();
    }
    return source.getGar() == null ? null : source.getGar().getServiceAccountName();
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
