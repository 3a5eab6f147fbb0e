package io.regcred.provider;

/**
 * A source could not deliver a credential. The reason is a CamelCase word for status conditions;
 * the message is written for the user and must never contain a credential, so providers build it
 * from names and codes only, never from response bodies or exception texts of libraries that may
 * echo a secret.
 */
public class SourceException extends Exception {

  private final String reason;

  public SourceException(String reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
