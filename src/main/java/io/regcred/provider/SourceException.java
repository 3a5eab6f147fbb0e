package io.regcred.provider;

import io.regcred.model.Reason;

/**
 * A source could not deliver a credential. The reason is one of {@link Reason}; the message is
 * written for the user and must never contain a credential, so providers build it from names and
 * codes only, never from response bodies or exception texts of libraries that may echo a secret.
 */
public class SourceException extends Exception {

  private final Reason reason;

  public SourceException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  /** The condition reason, as it appears in status and Events. */
  public String reason() {
    return reason.name();
  }
}
