package io.regcred.provider;

import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.model.RegistryToken;

/** Fetches (or reads) the credential a RegistryCredential's source describes. */
public interface TokenProvider {

  /** Whether this provider serves the credential's source kind. */
  boolean supports(RegistryCredential credential);

  /** One fetch. Implementations are called once per rotation, whatever the number of namespaces. */
  RegistryToken fetch(RegistryCredential credential) throws SourceException;
}
