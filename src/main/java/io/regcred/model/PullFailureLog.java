package io.regcred.model;

import io.regcred.api.v1alpha1.RegistryCredentialStatus.PullFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A credential's recent pull failures as status shows them: newest first, one entry per Pod and
 * image (a Pod failing again moves to the front with its latest cause), at most {@link #MAX}.
 */
public final class PullFailureLog {

  public static final int MAX = 10;

  private PullFailureLog() {}

  /** The log with this failure first. */
  public static List<PullFailure> add(List<PullFailure> log, PullFailure failure) {
    List<PullFailure> next = new ArrayList<>(MAX);
    next.add(failure);
    for (PullFailure old : log == null ? List.<PullFailure>of() : log) {
      if (next.size() == MAX) {
        break;
      }
      if (!samePull(old, failure)) {
        next.add(old);
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

  private static boolean samePull(PullFailure a, PullFailure b) {
    return Objects.equals(a.namespace(), b.namespace())
        && Objects.equals(a.pod(), b.pod())
        && Objects.equals(a.image(), b.image());
  }
}
