package io.regcred.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's own metrics, next to the framework's reconcile metrics in the same registry.
 * Labels are credential names, source kinds and results: never a value from a Secret.
 */
public final class OperatorMetrics {

  private final PrometheusMeterRegistry registry;
  private final Clock clock;
  private final Map<String, CredentialState> credentials = new ConcurrentHashMap<>();

  public OperatorMetrics(Clock clock) {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.clock = clock;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every metric. */
  public String scrape() {
    return registry.scrape();
  }

  /** One call to a token source (a cloud API, or reading the static Secret). */
  public void providerCall(String source, String credential, boolean success) {
    Counter.builder("regcred_provider_calls")
        .description("Token fetches by source kind, credential and result")
        .tag("source", source)
        .tag("credential", credential)
        .tag("result", success ? "success" : "failure")
        .register(registry)
        .increment();
  }

  /** A write to the API server: kind is secret or serviceaccount; result e.g. created, updated. */
  public void write(String kind, String result) {
    Counter.builder("regcred_writes")
        .description("Writes of Secrets and ServiceAccounts by result")
        .tag("kind", kind)
        .tag("result", result)
        .register(registry)
        .increment();
  }

  /**
   * One pass over a credential's namespaces: {@code full} (all of them) or {@code partial} (those
   * events were seen for), and how many namespaces it brought in line. The ratio of the two
   * counters is the work an event costs.
   */
  public void pass(String scope, int namespaces) {
    Counter.builder("regcred_passes")
        .description("Passes over a credential's namespaces, by scope (full or partial)")
        .tag("scope", scope)
        .register(registry)
        .increment();
    Counter.builder("regcred_namespaces_examined")
        .description("Namespaces brought in line by passes, by scope (full or partial)")
        .tag("scope", scope)
        .register(registry)
        .increment(namespaces);
  }

  /** What the last reconcile of a credential found. */
  public void credentialState(
      String credential, Optional<Instant> expiresAt, int targeted, int synced, int failed) {
    CredentialState state = credentials.computeIfAbsent(credential, this::register);
    state.expiresAt = expiresAt.orElse(null);
    state.targeted = targeted;
    state.synced = synced;
    state.failed = failed;
  }

  /** A credential's login handshake with its registries ended with this reason. */
  public void verification(String credential, String reason) {
    Counter.builder("regcred_verifications")
        .description("Login handshakes of credentials with their registries, by result")
        .tag("credential", credential)
        .tag("result", reason)
        .register(registry)
        .increment();
  }

  /** The Verified condition as a number: 1 True, 0 False, NaN unknown or turned off. */
  public void verified(String credential, String conditionStatus) {
    credentials.computeIfAbsent(credential, this::register).verified =
        switch (conditionStatus) {
          case "True" -> 1;
          case "False" -> 0;
          default -> Double.NaN;
        };
  }

  /** A Pod's pull was refused in an image the credential's registries serve, for this cause. */
  public void pullFailure(String credential, String cause) {
    Counter.builder("regcred_pull_failures")
        .description("Refused image pulls reported on a credential, by cause")
        .tag("credential", credential)
        .tag("cause", cause)
        .register(registry)
        .increment();
  }

  /** A pull-failure Event arrived while the queue of reports was full. */
  public void pullFailureReportDropped() {
    Counter.builder("regcred_pull_failure_reports_dropped")
        .description("Pull-failure Events not looked at because too many were waiting")
        .register(registry)
        .increment();
  }

  /** Only the token's expiry is known (the source failed; counts stay as they were). */
  public void tokenExpiry(String credential, Optional<Instant> expiresAt) {
    expiresAt.ifPresent(
        at -> credentials.computeIfAbsent(credential, this::register).expiresAt = at);
  }

  /** A deleted credential's gauges go with it. */
  public void forget(String credential) {
    CredentialState state = credentials.remove(credential);
    if (state != null) {
      state.meters.forEach(registry::remove);
    }
    for (String counter : List.of("regcred_pull_failures", "regcred_verifications")) {
      registry.find(counter).tag("credential", credential).meters().forEach(registry::remove);
    }
  }

  private CredentialState register(String credential) {
    CredentialState state = new CredentialState();
    state.meters.add(
        Gauge.builder("regcred_token_expiry_seconds", state, s -> secondsUntil(s.expiresAt))
            .description(
                "Seconds until the credential's token expires (NaN when it does not expire)")
            .tag("credential", credential)
            .register(registry));
    state.meters.add(
        Gauge.builder("regcred_credential_verified", state, s -> s.verified)
            .description(
                "1 when every registry accepted the credential's current token, 0 when one"
                    + " refused it or could not be asked, NaN when unknown or turned off")
            .tag("credential", credential)
            .register(registry));
    for (String which : List.of("targeted", "synced", "failed")) {
      state.meters.add(
          Gauge.builder(
                  "regcred_namespaces",
                  state,
                  s ->
                      switch (which) {
                        case "targeted" -> s.targeted;
                        case "synced" -> s.synced;
                        default -> s.failed;
                      })
              .description("Target namespaces of a credential by state")
              .tag("credential", credential)
              .tag("state", which)
              .register(registry));
    }
    return state;
  }

  private double secondsUntil(Instant instant) {
    return instant == null
        ? Double.NaN
        : Duration.between(clock.instant(), instant).toMillis() / 1000.0;
  }

  private static final class CredentialState {
    volatile Instant expiresAt;
    volatile int targeted;
    volatile int synced;
    volatile int failed;
    volatile double verified = Double.NaN;
    final List<Meter> meters = new ArrayList<>();
  }
}
