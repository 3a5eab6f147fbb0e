package io.regcred.provider.acr;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.util.Configuration;
import com.azure.core.util.ConfigurationBuilder;
import com.azure.core.util.ConfigurationSource;
import com.azure.identity.ClientAssertionCredentialBuilder;
import io.regcred.model.TenantIdentity;
import java.net.URI;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A tenant's Entra ID credential: workload identity federation, the client credentials grant for
 * the tenant's app registration with its own ServiceAccount token as client assertion. The library
 * is given an empty configuration, so none of the operator's {@code AZURE_*} variables (its tenant,
 * client, token file or secret) can reach the request.
 */
final class AcrTenantCredentials {

  private static final ConfigurationSource NONE = path -> Map.of();
  private static final Configuration EMPTY = new ConfigurationBuilder(NONE, NONE, NONE).build();

  private AcrTenantCredentials() {}

  static TokenCredential credential(
      URI authorityHost,
      HttpClient http,
      RetryOptions retry,
      TenantIdentity.Azure identity,
      Supplier<String> serviceAccountToken) {
    return new ClientAssertionCredentialBuilder()
        .configuration(EMPTY)
        .authorityHost(authorityHost.toString())
        .disableInstanceDiscovery()
        .httpClient(http)
        .retryOptions(retry)
        .tenantId(identity.tenantId())
        .clientId(identity.clientId())
        .clientAssertion(serviceAccountToken)
        .build();
  }
}
