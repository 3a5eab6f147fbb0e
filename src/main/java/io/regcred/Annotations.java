package io.regcred;

/** Annotations the operator writes. None of them ever holds a credential. */
public final class Annotations {

  /**
   * SHA-256 of a written Secret's data, so an unchanged Secret is recognised without decoding it.
   */
  public static final String CONTENT_HASH = "regcred.io/content-hash";

  /** When the token in a written Secret expires (RFC 3339); absent for static credentials. */
  public static final String EXPIRES_AT = "regcred.io/expires-at";

  /** When the token in a written Secret was fetched (RFC 3339). */
  public static final String ISSUED_AT = "regcred.io/issued-at";

  /** Hash of the source spec the token was fetched for; a spec change forces a new token. */
  public static final String SOURCE_HASH = "regcred.io/source-hash";

  /**
   * On a ServiceAccount: the comma-separated imagePullSecrets entries the operator added, so it
   * only ever removes entries it added itself.
   */
  public static final String ADDED_PULL_SECRETS = "regcred.io/added-pull-secrets";

  /**
   * Only in the operator's memory, on its cached copy of a Secret: the fingerprint of what it
   * compares (data included), so the cache holds no data. The space makes it a key the API server
   * rejects, so no Secret read from the cluster can carry it and it can never be written.
   */
  public static final String OBSERVED_FINGERPRINT = "regcred.io/observed fingerprint";

  /**
   * Only in the operator's memory, on its cached copy of a ServiceAccount: the copy left out an
   * imagePullSecrets entry or our own annotation (too long to keep), so it cannot stand for the
   * ServiceAccount in a write; the ServiceAccount is read whole first. A key the API server
   * rejects, like {@link #OBSERVED_FINGERPRINT}.
   */
  public static final String OBSERVED_INCOMPLETE = "regcred.io/observed incomplete";

  private Annotations() {}
}
