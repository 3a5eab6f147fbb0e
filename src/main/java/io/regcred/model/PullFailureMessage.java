package io.regcred.model;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The kubelet's Event about a failed pull ({@code reason: Failed}, message {@code Failed to pull
 * image "<image>": <the runtime's error>}), read for the image and whether the registry refused a
 * login. Anyone who may create Events could write such a message, so it only ever names a Pod to
 * look at; what is reported comes from the Pod itself.
 */
public final class PullFailureMessage {

  /** Longer messages are cut here before they are read: the runtime's errors are short. */
  static final int MAX_LENGTH = 4096;

  private static final String PREFIX = "Failed to pull image \"";

  /**
   * What container runtimes and registries say when a pull lacks a login or the login is refused
   * (containerd, CRI-O, and the registries' own error codes), in lower case.
   */
  private static final List<String> AUTH_FAILURES =
      List.of(
          "401 unauthorized",
          "403 forbidden",
          "unauthorized",
          "authentication required",
          "pull access denied",
          "no basic auth credentials",
          "denied: requested access to the resource is denied");

  private PullFailureMessage() {}

  /** The image of a pull the registry refused for want of a login; empty for anything else. */
  public static Optional<String> refusedImage(String message) {
    if (message == null || !message.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String head = message.length() > MAX_LENGTH ? message.substring(0, MAX_LENGTH) : message;
    int end = head.indexOf('"', PREFIX.length());
    if (end <= PREFIX.length()) {
      return Optional.empty();
    }
    String rest = head.substring(end).toLowerCase(Locale.ROOT);
    if (AUTH_FAILURES.stream().noneMatch(rest::contains)) {
      return Optional.empty();
    }
    return Optional.of(head.substring(PREFIX.length(), end));
  }
}
