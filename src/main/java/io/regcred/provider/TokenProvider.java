package io.regcred.provider;

import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.Source;
import io.regcred.model.RegistryToken;

/** Fetches (or reads) the credential a source describes. */
public interface TokenProvider {

  /** Whether this provider serves the source's kind. */
  boolean supports(Source source);

  /** One fetch. Implementations are called once per rotation, whatever the number of namespaces. */
  RegistryToken fetch(Source source) throws SourceException;

  /** Whether this provider serves the credential's source kind. */
  default boolean supports(ClusterRegistryCredential credential) {
    return supports(credential.getSpec().getSource());
  }

  /** One fetch for the credential's source. */
  default RegistryToken fetch(ClusterRegistryCredential credential) throws SourceException {
    return fetch(credential.getSpec().getSource());
  }
}
