package io.regcred.provider;

import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.model.RegistryToken;

/** Fetches (or reads) the credential a ClusterRegistryCredential's source describes. */
public interface TokenProvider {

  /** Whether this provider serves the credential's source kind. */
  boolean supports(ClusterRegistryCredential credential);

  /** One fetch. Implementations are called once per rotation, whatever the number of namespaces. */
  RegistryToken fetch(ClusterRegistryCredential credential) throws SourceException;
}
