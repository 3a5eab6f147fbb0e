package com.microsoft.aad.msal4j;

import java.util.Map;

/**
 * The environment MSAL4J's managed identity code reads, for tests. MSAL4J picks the managed
 * identity source and the IMDS address ({@code AZURE_POD_IDENTITY_AUTHORITY_HOST}) from the process
 * environment, not from the configuration azure-identity is given; its own tests replace that
 * through this package-private hook, and so do ours. Closing restores the process environment.
 */
public final class MsalEnvironment implements AutoCloseable {

  private MsalEnvironment(Map<String, String> variables) {
    ManagedIdentityApplication.setEnvironmentVariables(variables::get);
  }

  /** MSAL4J sees exactly these variables until closed. */
  public static MsalEnvironment of(Map<String, String> variables) {
    return new MsalEnvironment(Map.copyOf(variables));
  }

  @Override
  public void close() {
    ManagedIdentityApplication.setEnvironmentVariables(null);
  }
}
