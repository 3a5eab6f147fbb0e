package io.regcred.reconciler;

import io.regcred.api.v1alpha1.Verification;
import io.regcred.metrics.OperatorMetrics;
import io.regcred.model.ManagedSecret;
import io.regcred.model.Reason;
import io.regcred.model.RegistryAuth;
import io.regcred.model.RegistryToken;
import io.regcred.model.VerificationResult;
import io.regcred.model.VerificationResult.ServerCheck;
import io.regcred.provider.verify.RegistryCheck;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proves each credential's current token against its registry servers, off the reconcile thread: a
 * registry that is slow to answer never holds up the Secrets' fan-out. A result belongs to one
 * token and one CA bundle; a new token is proved again, and so is an old one after {@link
 * #REVERIFY_EVERY} (a robot account revoked at the registry shows without a rotation). When a
 * result arrives the credential is reconciled again, which writes it into the status.
 */
final class Verifications {

  static final Duration REVERIFY_EVERY = Duration.ofHours(1);

  /**
   * Servers proved per credential: each may take three requests of up to 10 s, and a tenant writes
   * the list. The others show as not verified.
   */
  static final int MAX_SERVERS = 10;

  /** How soon a credential the busy verifier could not take is tried again. */
  static final Duration BUSY_RETRY = Duration.ofMinutes(1);

  private static final Logger log = LoggerFactory.getLogger(Verifications.class);

  private record Entry(String key, Instant started, CompletableFuture<VerificationResult> result) {}

  private final RegistryCheck check;
  private final ExecutorService pool;
  private final Consumer<String> reconcile;
  private final OperatorMetrics metrics;
  private final Clock clock;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  Verifications(
      RegistryCheck check,
      ExecutorService pool,
      Consumer<String> reconcile,
      OperatorMetrics metrics,
      Clock clock) {
    this.check = check;
    this.pool = pool;
    this.reconcile = reconcile;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * The result for the credential's current token, if it is known; otherwise starts proving it
   * (once) and returns empty until it is done.
   */
  Optional<VerificationResult> result(String credential, RegistryToken token, Verification spec) {
    if (!Verification.enabled(spec)) {
      forget(credential);
      return Optional.of(VerificationResult.skipped());
    }
    Optional<String> caBundle =
        Optional.ofNullable(spec).map(Verification::getCaBundle).filter(s -> !s.isBlank());
    // Held only in memory; never written anywhere.
    String key = ManagedSecret.sha256(token.auths() + "|" + passwords(token) + "|" + caBundle);
    Instant now = clock.instant();
    Entry entry =
        entries.compute(
            credential,
            (name, old) -> {
              if (old != null
                  && old.key().equals(key)
                  && old.started().plus(REVERIFY_EVERY).isAfter(now)) {
                return old;
              }
              // One verification per credential at a time, however often its token changes:
              // the newest is started when the running one is done (its result reconciles).
              if (old != null && !old.result().isDone()) {
                return old;
              }
              return start(name, key, now, token.auths(), caBundle);
            });
    CompletableFuture<VerificationResult> result = entry.result();
    return entry.key().equals(key) && result.isDone()
        ? Optional.of(result.join())
        : Optional.empty();
  }

  /** When the current result goes stale, so the reconcile can wake for it. */
  Optional<Instant> dueAgain(String credential) {
    return Optional.ofNullable(entries.get(credential)).map(e -> e.started().plus(REVERIFY_EVERY));
  }

  void forget(String credential) {
    Entry old = entries.remove(credential);
    if (old != null) {
      old.result().cancel(false);
    }
  }

  private Entry start(
      String credential,
      String key,
      Instant now,
      List<RegistryAuth> auths,
      Optional<String> caBundle) {
    CompletableFuture<VerificationResult> result;
    try {
      result = CompletableFuture.supplyAsync(() -> verify(auths, caBundle), pool);
    } catch (RejectedExecutionException e) {
      // The queue is full: not verified now, tried again soon, nothing held meanwhile.
      return new Entry(
          key,
          now.minus(REVERIFY_EVERY).plus(BUSY_RETRY),
          CompletableFuture.completedFuture(VerificationResult.busy()));
    }
    result.thenAccept(
        done -> {
          metrics.verification(credential, done.reason().name());
          reconcile.accept(credential);
        });
    return new Entry(key, now, result);
  }

  private VerificationResult verify(List<RegistryAuth> auths, Optional<String> caBundle) {
    List<ServerCheck> checks =
        java.util.stream.Stream.concat(
                auths.stream().limit(MAX_SERVERS).map(auth -> check(auth, caBundle)),
                auths.stream()
                    .skip(MAX_SERVERS)
                    .map(
                        auth ->
                            new ServerCheck(
                                auth.server(),
                                Reason.Skipped,
                                "not verified: only the first "
                                    + MAX_SERVERS
                                    + " servers of a credential are")))
            .toList();
    return VerificationResult.of(checks);
  }

  private ServerCheck check(RegistryAuth auth, Optional<String> caBundle) {
    try {
      return check.check(auth, caBundle);
    } catch (RuntimeException e) {
      // A bug in the handshake must not leave the result pending forever; the exception's
      // message could quote a response, so only its kind is shown.
      log.warn(
          "verification failed unexpectedly server={} error={}",
          VerificationResult.shown(auth.server()),
          e.getClass().getName());
      return new ServerCheck(
          auth.server(),
          Reason.Unreachable,
          "the handshake failed: " + e.getClass().getSimpleName());
    }
  }

  private static String passwords(RegistryToken token) {
    StringBuilder all = new StringBuilder();
    token
        .auths()
        .forEach(a -> all.append(a.username()).append(':').append(a.password()).append('\n'));
    return all.toString();
  }
}
