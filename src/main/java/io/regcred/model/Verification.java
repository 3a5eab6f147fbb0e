package io.regcred.model;

import java.util.Objects;

/**
 * How the registry's own auth handshake went with a credential: whether a docker client presenting
 * it would be let in, and a message that says what happened (host, step, HTTP status), never the
 * password, a token or an Authorization header.
 */
public record Verification(Outcome outcome, String message) {

  /** The result of one handshake. */
  public enum Outcome {
    /** The registry accepted the credential (Basic) or the token issued for it (Bearer). */
    Verified,
    /** The registry or its token endpoint refused the credential (HTTP 401 or 403). */
    Unauthorized,
    /**
     * No answer to judge by: the connection failed, TLS was not trusted, a request timed out, or
     * the server answered 5xx or 429.
     */
    Unreachable,
    /**
     * The registry answered in a way a docker client cannot finish a login with: a redirect, a
     * status other than 200 or 401, no challenge or one of an unknown scheme, a token endpoint that
     * is not https, an unusable token answer. The credential itself is untested.
     */
    Unexpected,
    /**
     * The registry answered {@code /v2/} with 200 without asking for a credential, as an open
     * registry does: there is nothing to verify, and a docker client would not present it there.
     */
    NotRequired,
    /**
     * The registry or the token endpoint its challenge names is not at a public address, and the
     * credential is a tenant's: no request was sent there. The credential is untested.
     */
    NotPublic
  }

  public Verification {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(message, "message");
  }

  public boolean verified() {
    return outcome == Outcome.Verified;
  }
}
