package io.regcred.reconciler;

import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Short, safe descriptions of API errors for status and Events. Kubernetes status messages name
 * objects and verbs, never Secret data; the client's own exception text (which may include a
 * request) is not used.
 */
final class ApiErrors {

  private ApiErrors() {}

  static String reason(KubernetesClientException e) {
    return switch (e.getCode()) {
      case 403 -> "Forbidden";
      case 404 -> "NotFound";
      case 409 -> "WriteConflict";
      case 422 -> "Invalid";
      case 0 -> "APIUnreachable";
      default -> "APIError";
    };
  }

  static String describe(KubernetesClientException e) {
    var status = e.getStatus();
    if (status != null && status.getMessage() != null) {
      return "HTTP " + e.getCode() + ": " + status.getMessage();
    }
    return e.getCode() == 0 ? "the API server could not be reached" : "HTTP " + e.getCode();
  }
}
