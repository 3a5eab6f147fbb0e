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
        "the registry accepted the credential: "
            + checks.stream().map(ServerCheck::server).collect(Collectors.joining(", ")));
  }

  private static String describe(List<ServerCheck> failing) {
    return failing.stream()
        .map(c -> c.server() + ": " + c.detail())
        .collect(Collectors.joining("; "));
  }

  public boolean verified() {
    return reason == Reason.Verified;
  }
}
