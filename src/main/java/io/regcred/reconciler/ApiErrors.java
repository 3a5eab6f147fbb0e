package io.regcred.reconciler;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.regcred.model.Reason;
import java.util.List;

/**
 * Short, safe descriptions of API errors for status, Events and logs. The client's own exception
 * text (which may include a request) is never used.
 */
final class ApiErrors {

  private ApiErrors() {}

  static String reason(KubernetesClientException e) {
    Reason reason =
        switch (e.getCode()) {
          case 403 -> Reason.Forbidden;
          case 404 -> Reason.NotFound;
          case 409 -> Reason.WriteConflict;
          case 422 -> Reason.Invalid;
          case 0 -> Reason.APIUnreachable;
          default -> Reason.APIError;
        };
    return reason.name();
  }

  static String describe(KubernetesClientException e) {
    var status = e.getStatus();
    if (status != null && status.getMessage() != null) {
      return "HTTP " + e.getCode() + ": " + safe(status.getMessage());
    }
    return e.getCode() == 0 ? "the API server could not be reached" : "HTTP " + e.getCode();
  }

  /** How admission webhooks and policies word a denial; what follows is their own text. */
  private static final List<String> DENIALS = List.of("denied the request", "denied request");

  static final int MAX_MESSAGE = 300;

  /**
   * The API server's own messages name objects, fields and verbs, never Secret data; but a
   * webhook's or an admission policy's reason is theirs to word, and may quote the object it judged
   * (our Secret's data included). Only who denied is kept; long messages are cut.
   */
  static String safe(String message) {
    for (String denial : DENIALS) {
      int at = message.indexOf(denial);
      if (at >= 0) {
        return message.substring(0, at + denial.length())
            + " (its reason is not repeated: it may quote the Secret)";
      }
    }
    return message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE) + "...";
  }
}
