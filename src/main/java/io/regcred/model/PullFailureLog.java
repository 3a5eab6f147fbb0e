package io.regcred.model;

import io.regcred.api.v1alpha1.RegistryCredentialStatus.PullFailure;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A credential's recent pull failures as status shows them: newest first, one entry per Pod and
 * image (a Pod failing again moves to the front with its latest cause), at most {@link
 * #PER_NAMESPACE} per namespace, so one namespace's failing Pods cannot push out everyone else's,
 * and at most {@link #MAX} in all.
 */
public final class PullFailureLog {

  public static final int MAX = 10;
  public static final int PER_NAMESPACE = 3;

  /**
   * A repeat (same Pod, image and cause) moves its entry's {@code lastSeen} only this long after
   * the last one: the kubelet retries every few minutes, and each move is a status write.
   */
  public static final Duration REFRESH = Duration.ofMinutes(5);

  private PullFailureLog() {}

  /** The log after a report; the very same list when the report changes nothing worth a write. */
  public static List<PullFailure> add(List<PullFailure> log, PullFailure failure, Instant now) {
    List<PullFailure> before = log == null ? List.of() : log;
    boolean recentRepeat =
        before.stream()
            .anyMatch(
                old ->
                    samePull(old, failure)
                        && Objects.equals(old.cause(), failure.cause())
                        && seenWithin(old, now));
    if (recentRepeat) {
      return log;
    }
    List<PullFailure> next = new ArrayList<>(MAX);
    Map<String, Integer> perNamespace = new HashMap<>();
    next.add(failure);
    perNamespace.put(failure.namespace(), 1);
    for (PullFailure old : before) {
      if (next.size() == MAX) {
        break;
      }
      int share = perNamespace.getOrDefault(old.namespace(), 0);
      if (!samePull(old, failure) && share < PER_NAMESPACE) {
        next.add(old);
        perNamespace.put(old.namespace(), share + 1);
      }
    }
    return List.copyOf(next);
  }

  /**
   * Whether a failure is news: a Pod and image not in the log, or with another cause. The kubelet
   * reports each retry; only news is worth an Event.
   */
  public static boolean isNews(List<PullFailure> log, PullFailure failure) {
    return log == null
        || log.stream()
            .noneMatch(
                old -> samePull(old, failure) && Objects.equals(old.cause(), failure.cause()));
  }

  private static boolean seenWithin(PullFailure old, Instant now) {
    try {
      return Instant.parse(old.lastSeen()).plus(REFRESH).isAfter(now);
    } catch (DateTimeParseException | NullPointerException e) {
      return false;
    }
  }

  private static boolean samePull(PullFailure a, PullFailure b) {
    return Objects.equals(a.namespace(), b.namespace())
        && Objects.equals(a.pod(), b.pod())
        && Objects.equals(a.image(), b.image());
  }
}
