package io.regcred.reconciler;

import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.regcred.api.v1alpha1.RegistryCredentialStatus;
import io.regcred.model.ConditionType;
import io.regcred.model.Reason;
import io.regcred.model.StatusFactory;
import io.regcred.model.StatusPace;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a credential's status, only when it changed, as one JSON patch that replaces the status
 * whole (fields that went away go too; no resourceVersion race, and only {@code patch} on the
 * status subresource is needed), and at most once per {@link StatusPace#MIN_INTERVAL} per
 * credential: a change that comes sooner is held and written when the interval is over, so a burst
 * of onboardings costs one status write, not one each. A refused write is logged and reported to
 * the caller, never thrown: the refresh a reconcile scheduled must not be lost with it.
 */
final class StatusWriter<T extends CustomResource<?, RegistryCredentialStatus>> {

  private static final Logger log = LoggerFactory.getLogger(StatusWriter.class);

  /**
   * What happened to a status.
   *
   * @param failed the API server refused the write
   * @param heldFor how long until a held status is due (real time); empty when none is held
   */
  record Outcome(boolean failed, Optional<Duration> heldFor) {}

  /** Per credential: when its status was last written, and the status held since, if any. */
  /**
   * @param wrote the status last written, which a reconcile that starts before the informer has
   *     seen that write must start from (or it would decide, and send, the same Events again)
   */
  private record Written(
      long atNanos,
      Optional<RegistryCredentialStatus> held,
      Optional<RegistryCredentialStatus> wrote) {
    Written holding(Optional<RegistryCredentialStatus> status) {
      return new Written(atNanos, status, wrote);
    }
  }

  private final KubernetesClient client;
  private final Class<T> type;
  private final Function<T, String> key;
  private final LongSupplier nanoTime;
  private final Map<String, Written> written = new ConcurrentHashMap<>();

  /**
   * @param nanoTime real, monotonic time: the pace protects the API server, whatever clock the
   *     operator's decisions read
   */
  StatusWriter(
      KubernetesClient client, Class<T> type, Function<T, String> key, LongSupplier nanoTime) {
    this.client = client;
    this.type = type;
    this.key = key;
    this.nanoTime = nanoTime;
  }

  /**
   * The status the next decisions start from: the one held back, if any, else the credential's. A
   * held status was already decided (its Events sent), so deciding again from the written one would
   * repeat them.
   */
  RegistryCredentialStatus latest(T credential) {
    Written w = written.get(key.apply(credential));
    return w == null
        ? credential.getStatus()
        : w.held().or(w::wrote).orElse(credential.getStatus());
  }

  /** What the API server has, as far as this process knows: its own last write, else the cache. */
  private RegistryCredentialStatus current(T credential, Written last) {
    return last == null ? credential.getStatus() : last.wrote().orElse(credential.getStatus());
  }

  /** Writes the status if it changed and the pace allows, else holds it. */
  Outcome write(T credential, RegistryCredentialStatus status) {
    String name = key.apply(credential);
    Written last = written.get(name);
    if (status.equals(current(credential, last))) {
      if (last != null && last.held().isPresent()) {
        written.put(name, last.holding(Optional.empty()));
      }
      return new Outcome(false, Optional.empty());
    }
    long now = nanoTime.getAsLong();
    Optional<Duration> hold =
        StatusPace.holdFor(
            last == null ? Optional.empty() : Optional.of(Duration.ofNanos(now - last.atNanos())));
    if (hold.isPresent()) {
      written.put(name, last.holding(Optional.of(status)));
      return new Outcome(false, hold);
    }
    return new Outcome(!writeNow(credential, status), Optional.empty());
  }

  /** Writes at once, whatever the pace (a failed reconcile's status, written once per retry). */
  boolean writeNow(T credential, RegistryCredentialStatus status) {
    String name = key.apply(credential);
    if (status.equals(current(credential, written.get(name)))) {
      written.computeIfPresent(name, (k, w) -> w.holding(Optional.empty()));
      return true;
    }
    String patch =
        client
            .getKubernetesSerialization()
            .asJson(List.of(Map.of("op", "add", "path", "/status", "value", status)));
    try {
      // Named by the object, not by name: fabric8 reads an object named only by name before
      // patching it, one GET per status write.
      client
          .resources(type)
          .resource(credential)
          .subresource("status")
          .patch(PatchContext.of(PatchType.JSON), patch);
      credential.setStatus(status);
      written.put(name, new Written(nanoTime.getAsLong(), Optional.empty(), Optional.of(status)));
      return true;
    } catch (KubernetesClientException e) {
      log.warn("status not written credential={} reason={}", name, ApiErrors.describe(e));
      return false;
    }
  }

  /**
   * For what no pass foresaw (a bug, an exception from a library): Ready says so with the kind of
   * error, never its message, which could quote anything; a Warning Event when that is news;
   * written at once. What the last pass wrote stays in place, and the framework retries.
   */
  void writeUnexpected(T credential, Exception e, EventRecorder events, Instant now) {
    String why =
        e instanceof KubernetesClientException k
            ? ApiErrors.describe(k)
            : e.getClass().getSimpleName();
    RegistryCredentialStatus previous = latest(credential);
    RegistryCredentialStatus status =
        StatusFactory.unexpected(
            previous,
            credential.getMetadata().getGeneration(),
            "the reconcile failed (" + why + "); retrying",
            now);
    if (StatusFactory.changedOrReworded(previous, status, ConditionType.Ready)) {
      events.warning(
          credential,
          Reason.ReconcileError.name(),
          StatusFactory.find(status, ConditionType.Ready).orElseThrow().getMessage());
    }
    writeNow(credential, status);
  }

  /** Forgets a deleted credential. */
  void forget(String name) {
    written.remove(name);
  }
}
