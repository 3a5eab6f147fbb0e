package io.regcred.model;

import java.util.List;
import java.util.stream.Collectors;

/**
 * What proving a credential against its registry servers showed, as the {@code Verified} condition
 * says it: {@code True} when every server accepted it, {@code False} when one refused it or could
 * not be asked, {@code Unknown} when verification is off or a server asks no login.
 */
public record VerificationResult(String status, Reason reason, String message) {

  /** One registry server's answer to the login handshake. */
  public record ServerCheck(String server, Reason reason, String detail) {}

  /** Servers named in a message; a tenant may list thousands. */
  static final int MAX_SHOWN = 5;

  /** Characters of a server name shown; a tenant chooses them. */
  static final int MAX_SERVER_CHARS = 100;

  /** Not verified now: the verifier's queue is full. */
  public static VerificationResult busy() {
    return new VerificationResult(
        "Unknown", Reason.Skipped, "not verified yet: the verifier is busy; tried again shortly");
  }

  /**
   * A server name as messages show it: cut to {@link #MAX_SERVER_CHARS}, control characters
   * replaced, so a crafted key can neither bloat a status nor forge a log line.
   */
  public static String shown(String server) {
    String cut =
        server.length() > MAX_SERVER_CHARS ? server.substring(0, MAX_SERVER_CHARS) + "…" : server;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }

  public static VerificationResult skipped() {
    return new VerificationResult(
        "Unknown", Reason.Skipped, "verification is turned off (spec.verification.enabled)");
  }

  /**
   * The servers' answers together: a refusal outweighs an unreachable server, which outweighs
   * success, so the condition names what a platform engineer must fix first.
   */
  public static VerificationResult of(List<ServerCheck> checks) {
    if (checks.isEmpty()) {
      throw new IllegalArgumentException("a credential has at least one registry server");
    }
    for (Reason worst : List.of(Reason.Unauthorized, Reason.Unreachable)) {
      List<ServerCheck> failing = checks.stream().filter(c -> c.reason() == worst).toList();
      if (!failing.isEmpty()) {
        return new VerificationResult("False", worst, describe(failing));
      }
    }
    List<ServerCheck> open = checks.stream().filter(c -> c.reason() != Reason.Verified).toList();
    if (!open.isEmpty()) {
      return new VerificationResult("Unknown", Reason.Skipped, describe(open));
    }
    return new VerificationResult(
        "True",
        Reason.Verified,
        "the registry accepted the credential: " + listed(checks, c -> shown(c.server()), ", "));
  }

  private static String describe(List<ServerCheck> failing) {
    return listed(failing, c -> shown(c.server()) + ": " + c.detail(), "; ");
  }

  /** At most {@link #MAX_SHOWN} of the checks, then how many more there are. */
  private static String listed(
      List<ServerCheck> checks, java.util.function.Function<ServerCheck, String> show, String by) {
    String shownOnes = checks.stream().limit(MAX_SHOWN).map(show).collect(Collectors.joining(by));
    return checks.size() > MAX_SHOWN
        ? shownOnes + by + "and " + (checks.size() - MAX_SHOWN) + " more"
        : shownOnes;
  }

  public boolean verified() {
    return reason == Reason.Verified;
  }
}
