package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.Namespace;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.model.NamespaceView;
import io.regcred.model.TargetSelection;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A Namespace event concerns the credentials that target the namespace now, and those that still
 * have a Secret there (it may have just left their target set). Every other credential is left
 * alone: a namespace event costs work for the credentials it is about, not for all of them.
 */
final class NamespaceToCredentialsMapper implements SecondaryToPrimaryMapper<Namespace> {

  private final Supplier<Stream<ClusterRegistryCredential>> credentials;
  private final Function<String, Set<String>> credentialsWithSecretsIn;
  private final Set<String> denied;

  /**
   * @param credentials the credentials known now
   * @param credentialsWithSecretsIn names of the credentials with a Secret in a namespace
   * @param denied the operator's deny list
   */
  NamespaceToCredentialsMapper(
      Supplier<Stream<ClusterRegistryCredential>> credentials,
      Function<String, Set<String>> credentialsWithSecretsIn,
      Set<String> denied) {
    this.credentials = credentials;
    this.credentialsWithSecretsIn = credentialsWithSecretsIn;
    this.denied = denied;
  }

  @Override
  public Set<ResourceID> toPrimaryResourceIDs(Namespace namespace) {
    NamespaceView view = NamespaceView.of(namespace);
    Set<String> holding = credentialsWithSecretsIn.apply(view.name());
    return credentials
        .get()
        .filter(
            c ->
                holding.contains(c.getMetadata().getName())
                    || TargetSelection.targets(c, view, denied))
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }
}
