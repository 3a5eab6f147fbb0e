package io.regcred.model;

/**
 * Every reason the operator puts in a condition, a namespace failure or an Event: one name per
 * meaning. The README's table of reasons lists each of them (a test holds it to that).
 */
public enum Reason {
  // SourceAvailable, Ready
  CredentialAvailable("the source delivered a credential"),
  AccessDenied(
      "the cloud refused the identity or keys: check the IAM role, app registration or service account and its permissions"),
  CredentialUnavailable(
      "no identity to ask with: no keys Secret, and no workload identity, Pod Identity or metadata server in the operator's environment"),
  InvalidSpec(
      "the spec names something this source cannot use (a server outside the cloud's registries, an empty server list)"),
  ProviderError(
      "the source answered with something unusable (a token already expired or living longer than the source allows, a body that is not the protocol's)"),
  ProviderUnavailable("the source failed or throttled (HTTP 5xx or 429); retried with backoff"),
  ProviderUnreachable(
      "no answer from the source's endpoint (DNS, TLS, timeout); retried with backoff"),
  SourceSecretNotFound(
      "the Secret the spec names is not in the source namespace (the operator's, or a namespaced credential's own)"),
  SourceSecretInvalid(
      "the source Secret lacks a key or holds something that cannot be read (bad JSON, a key.json naming hosts or files the operator does not allow)"),
  SourceNotSupported("this build of the operator has no provider for the source kind"),
  // Synced (the namespace-level ones also in status.failures)
  SourceUnavailable("nothing synced yet: the source has not delivered a credential"),
  AllNamespacesSynced(
      "every target namespace has the Secret and the selected ServiceAccounts reference it"),
  NoTargetNamespaces("no existing namespace matches the target"),
  SyncFailed("some target namespaces failed; status.failures says which and why"),
  Conflict("a Secret under the target name is not this credential's; it is left untouched"),
  SecretTypeConflict(
      "the Secret under the target name is this credential's but not of type kubernetes.io/dockerconfigjson; delete it and it is written again"),
  SecretImmutable(
      "the Secret under the target name is this credential's but immutable; delete it and it is written again"),
  NamespaceDenied(
      "the credential names a namespace on the operator's deny list (REGCRED_DENIED_NAMESPACES), or a namespaced credential lives in one or in the operator's own"),
  Forbidden(
      "the API server refused a write (RBAC, or an admission webhook or policy, named in the message)"),
  NotFound("an object disappeared while it was written; retried"),
  WriteConflict("an object changed while it was written; retried"),
  Invalid("the API server found a written object invalid"),
  APIUnreachable("the API server could not be reached; retried"),
  APIError("another API server error; retried"),
  // Ready
  Ready("the source is available and every target namespace is synced"),
  Expiring("the source fails and the token in the Secrets is in the last tenth of its life"),
  ReconcileError(
      "an unexpected error stopped the reconcile; retried with backoff, the operator's log has"
          + " the details"),
  // Verified
  Verified("every registry server of the credential accepted it in its own login handshake"),
  Unauthorized(
      "a registry refused the credential at login: the password, token or its permissions are"
          + " wrong, or it expired; Pods pulling with it will fail"),
  Unreachable(
      "the operator could not finish the login handshake with a registry (DNS, TLS, timeout, an"
          + " unexpected answer), so nothing is known about the credential; for a private CA set"
          + " spec.verification.caBundle"),
  Skipped(
      "verification is turned off (spec.verification.enabled: false), or a registry asks no login"
          + " at /v2/, so there is nothing to prove, or a namespaced credential's registry or token"
          + " service is not at a public address and not on REGCRED_TENANT_VERIFY_ALLOWED"),
  // Pull failures (status.pullFailures and Events)
  NamespaceNotTargeted(
      "a Pod in a namespace this credential does not target failed to pull from its registry: add"
          + " the namespace to spec.target.namespaces"),
  ServiceAccountNotSelected(
      "the Pod runs as a ServiceAccount that spec.target.serviceAccounts does not select"),
  ServiceAccountNotPatched(
      "the Pod's ServiceAccount is selected but does not list the Secret yet; see Synced"),
  PodCreatedBeforePatch(
      "the Pod was created before its ServiceAccount listed the Secret (pull Secrets are copied"
          + " only at creation): delete the Pod so its controller creates it again"),
  PodNamesOtherSecrets(
      "the Pod lists imagePullSecrets of its own, so its ServiceAccount's are not added: add the"
          + " Secret to the Pod"),
  SecretMissing("the Pod names the Secret, but it is not in the namespace yet; see Synced"),
  CredentialRefused(
      "the Pod used this credential's Secret and the registry refused it: the credential is wrong,"
          + " lacks the permission, or expired"),
  // Events only
  Rotated("the credential changed and was updated in place in the target namespaces"),
  CleanupFailed("removing the credential's Secrets failed in some namespaces; retried"),
  CleanupAbandoned(
      "cleanup gave up after its retries; owner references let the garbage collector finish");

  private final String meaning;

  Reason(String meaning) {
    this.meaning = meaning;
  }

  /** What the reason means and what to do about it, as the README's table says. */
  public String meaning() {
    return meaning;
  }
}
