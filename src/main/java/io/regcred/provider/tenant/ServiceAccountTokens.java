package io.regcred.provider.tenant;

import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.regcred.model.Reason;
import io.regcred.provider.Causes;
import io.regcred.provider.SourceException;
import java.io.IOException;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Short-lived tokens of a tenant's ServiceAccount, from the API server's TokenRequest ({@code
 * create serviceaccounts/token}): the identity a namespaced credential presents to its cloud
 * instead of the operator's own. The token is bound to one audience and lives as briefly as the API
 * server allows; it is never logged and never part of a message.
 */
public final class ServiceAccountTokens {

  /** The API server refuses a shorter {@code expirationSeconds}. */
  public static final Duration MINIMUM_LIFETIME = Duration.ofMinutes(10);

  /** Long enough for one exchange; the token is asked for again on each fetch. */
  public static final Duration DEFAULT_LIFETIME = MINIMUM_LIFETIME;

  /** A token that outlives its exchange by hours only widens what a leak would give. */
  public static final Duration MAXIMUM_LIFETIME = Duration.ofHours(1);

  private final KubernetesClient client;

  public ServiceAccountTokens(KubernetesClient client) {
    this.client = client;
  }

  /**
   * A token of {@code namespace/serviceAccount} for {@code audience}, living {@code lifetime}
   * bounded to [{@link #MINIMUM_LIFETIME}, {@link #MAXIMUM_LIFETIME}].
   */
  public String token(String namespace, String serviceAccount, String audience, Duration lifetime)
      throws SourceException {
    String where = "ServiceAccount " + namespace + "/" + serviceAccount;
    TokenRequest request =
        new TokenRequestBuilder()
            .withNewSpec()
            .withAudiences(audience)
            .withExpirationSeconds(bounded(lifetime).toSeconds())
            .endSpec()
            .build();
    TokenRequest answer;
    try {
      answer =
          client
              .serviceAccounts()
              .inNamespace(namespace)
              .withName(serviceAccount)
              .tokenRequest(request);
    } catch (KubernetesClientException e) {
      throw failure(where, e);
    }
    String token =
        answer == null || answer.getStatus() == null ? null : answer.getStatus().getToken();
    if (token == null || token.isEmpty()) {
      throw new SourceException(
          Reason.APIError, "the TokenRequest for " + where + " returned no token");
    }
    return token;
  }

  /** {@link #token} with the default lifetime, as a supplier for a cloud SDK. */
  public Supplier<String> supplier(String namespace, String serviceAccount, String audience) {
    return () -> {
      try {
        return token(namespace, serviceAccount, audience, DEFAULT_LIFETIME);
      } catch (SourceException e) {
        throw new ServiceAccountTokenException(e);
      }
    };
  }

  static Duration bounded(Duration lifetime) {
    if (lifetime == null || lifetime.compareTo(MINIMUM_LIFETIME) < 0) {
      return MINIMUM_LIFETIME;
    }
    return lifetime.compareTo(MAXIMUM_LIFETIME) > 0 ? MAXIMUM_LIFETIME : lifetime;
  }

  /** By status code and exception class only: the API server's message is not needed. */
  static SourceException failure(String where, KubernetesClientException e) {
    int code = e.getCode();
    if (code == 404) {
      return new SourceException(Reason.CredentialUnavailable, where + " does not exist");
    }
    if (code == 403) {
      return new SourceException(
          Reason.Forbidden,
          "the operator may not request a token for "
              + where
              + ": it needs create on serviceaccounts/token");
    }
    if (code == 0 && Causes.find(e, IOException.class) != null) {
      return new SourceException(
          Reason.APIUnreachable,
          "the TokenRequest for " + where + " got no answer from the API server");
    }
    return new SourceException(
        Reason.APIError,
        "the TokenRequest for " + where + " failed" + (code == 0 ? "" : " (HTTP " + code + ")"));
  }
}
