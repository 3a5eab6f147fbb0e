package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.model.NamespaceView;
import io.regcred.model.TargetSelection;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A ServiceAccount event concerns only the credentials that target its namespace: a tenant
 * relabelling ServiceAccounts in one namespace causes no work for credentials elsewhere.
 */
final class ServiceAccountToCredentialsMapper implements SecondaryToPrimaryMapper<ServiceAccount> {

  private final Supplier<Stream<ClusterRegistryCredential>> credentials;
  private final Function<String, Optional<NamespaceView>> namespaces;
  private final Set<String> denied;

  ServiceAccountToCredentialsMapper(
      Supplier<Stream<ClusterRegistryCredential>> credentials,
      Function<String, Optional<NamespaceView>> namespaces,
      Set<String> denied) {
    this.credentials = credentials;
    this.namespaces = namespaces;
    this.denied = denied;
  }

  @Override
  public Set<ResourceID> toPrimaryResourceIDs(ServiceAccount serviceAccount) {
    Optional<NamespaceView> namespace =
        namespaces.apply(serviceAccount.getMetadata().getNamespace());
    if (namespace.isEmpty()) {
      return Set.of();
    }
    return credentials
        .get()
        .filter(c -> TargetSelection.targets(c, namespace.get(), denied))
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }
}
