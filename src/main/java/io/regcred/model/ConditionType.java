package io.regcred.model;

/**
 * The conditions of a credential's status: one name per meaning, written as the condition's {@code
 * type}. The README's table of conditions lists each of them (a test holds it to that).
 */
public enum ConditionType {
  Ready("the source is available and every target namespace is synced"),
  SourceAvailable("the last read or fetch of the credential succeeded"),
  Synced("every target namespace has the Secret and the selected ServiceAccounts reference it"),
  Verified(
      "every registry server accepted the current credential in its login handshake (Unknown when"
          + " verification is off)");

  private final String meaning;

  ConditionType(String meaning) {
    this.meaning = meaning;
  }

  /** What the condition says when it is True, as the README's table says. */
  public String meaning() {
    return meaning;
  }
}
