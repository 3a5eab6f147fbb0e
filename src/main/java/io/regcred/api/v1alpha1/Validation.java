package io.regcred.api.v1alpha1;

/**
 * Patterns of the schema. The registry server patterns are public: the providers check the same
 * syntax again in code, for objects admitted under an older CRD.
 */
public final class Validation {

  /** A DNS-1123 subdomain, the rule for Secret names. */
  static final String DNS_SUBDOMAIN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** A host with at least one dot and an optional port, such as myregistry.azurecr.io:443. */
  public static final String HOST_PORT =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+(:[0-9]{1,5})?$";

  /** Google's registry hosts: gcr.io, its regional hosts and Artifact Registry's Docker hosts. */
  public static final String GOOGLE_REGISTRY =
      "^(gcr\\.io|[a-z0-9]([-a-z0-9]*[a-z0-9])?\\.gcr\\.io|[a-z0-9]([-a-z0-9]*[a-z0-9])?-docker\\.pkg\\.dev)$";

  /**
   * A docker config key as the kubelet matches it: a host name (or bracketed IPv6 address) with an
   * optional port and path, optionally after {@code https://} (kubectl's default is {@code
   * https://index.docker.io/v1/}); no user info, query, fragment or other scheme.
   */
  public static final String REGISTRY_SERVER =
      "^(https://)?([a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*"
          + "|\\[[0-9a-fA-F:.]+\\])(:[0-9]{1,5})?(/[a-zA-Z0-9][a-zA-Z0-9._-]*)*/?$";

  /** A DNS-1123 label, the rule for namespace names. */
  static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  /** A Go-style duration as Kubernetes prints them, such as {@code 30m} or {@code 1h30m}. */
  static final String DURATION = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";

  private Validation() {}
}
