package io.regcred.provider;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.it.TestCluster;
import io.regcred.provider.tenant.ServiceAccountTokens;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Tenant namespaces and ServiceAccounts on the shared test API server, with the server's own
 * ServiceAccount token issuer: real TokenRequests and the JWKS that verifies them. Deletes the
 * namespaces it made on close.
 */
public final class TenantCluster implements AutoCloseable {

  private final KubernetesClient client = TestCluster.newAdminClient();
  private final List<String> namespaces = new ArrayList<>();

  /** A new namespace named {@code prefix-<random>} holding a ServiceAccount {@code sa}. */
  public String namespaceWith(String prefix, String sa) {
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    namespaces.add(name);
    client
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName(sa)
                .withNamespace(name)
                .endMetadata()
                .build())
        .create();
    return name;
  }

  public ServiceAccountTokens tokens() {
    return new ServiceAccountTokens(client);
  }

  /** Tokens of {@code namespace/sa} for {@code audience}, from real TokenRequests. */
  public Supplier<String> supplier(String namespace, String sa, String audience) {
    return tokens().supplier(namespace, sa, audience);
  }

  /** The keys the API server signs ServiceAccount tokens with ({@code /openid/v1/jwks}). */
  public Map<String, PublicKey> jwks() {
    return ServiceAccountTrust.jwks(client.raw("/openid/v1/jwks"));
  }

  /** A trust in {@code namespace/sa} tokens for {@code audience}, signed by this API server. */
  public ServiceAccountTrust trust(String namespace, String sa, String audience) {
    return ServiceAccountTrust.of(jwks(), namespace, sa, audience);
  }

  public KubernetesClient client() {
    return client;
  }

  @Override
  public void close() {
    for (String ns : namespaces) {
      client.namespaces().withName(ns).delete();
    }
    client.close();
  }
}
