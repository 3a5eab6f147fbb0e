package io.regcred.api.v1alpha1;

/** Patterns shared by the schema of several fields. */
final class Validation {

  /** A DNS-1123 subdomain, the rule for Secret names. */
  static final String DNS_SUBDOMAIN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** A registry host name with at least one dot, such as europe-docker.pkg.dev. */
  static final String HOST = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$";

  /** A DNS-1123 label, the rule for namespace names. */
  static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  /** A Go-style duration as Kubernetes prints them, such as {@code 30m} or {@code 1h30m}. */
  static final String DURATION = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";

  private Validation() {}
}
