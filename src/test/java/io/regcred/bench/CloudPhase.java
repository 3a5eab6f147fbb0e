package io.regcred.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.it.CredentialChecks;
import io.regcred.it.Fixtures;
import io.regcred.provider.ecr.FakeAws;
import io.regcred.provider.ecr.FakeAws.IssuedToken;
import io.regcred.provider.ecr.FakeAws.Operation;
import io.regcred.testing.Credentials;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Cloud calls per rotation: a second credential whose source is ECR, served by the project's local
 * AWS ({@link FakeAws}: GetAuthorizationToken, SigV4-checked, as the real service answers it),
 * selecting the same namespaces as the static one. The fake issues short-lived tokens, so the
 * operator rotates on its own schedule (half the token's life), while namespaces are created in the
 * selected set and deleted again, one after another. Every GetAuthorizationToken the fake receives
 * counts, whatever its outcome.
 */
final class CloudPhase {

  static final String CREDENTIAL = "bench-cloud";
  static final String REGION = "eu-west-1";
  static final String ACCOUNT = "123456789012";
  static final String KEY_ID = "AKIDREGCREDBENCH0001";
  static final String SECRET_KEY = "sk-bench-" + UUID.randomUUID();
  static final String KEYS_SECRET = "aws-keys";

  /** Shorter lives are refused as expiring at once (README: at least 10 s). */
  static final Duration SHORTEST_LIFETIME = Duration.ofSeconds(12);

  private final KubernetesClient admin;
  private final FakeAws aws;
  private final Figures figures;

  CloudPhase(KubernetesClient admin, FakeAws aws, Figures figures) {
    this.admin = admin;
    this.aws = aws;
    this.figures = figures;
  }

  /** The fake the operator is pointed at, before the operator starts; its keys are a Secret. */
  static FakeAws startFake(KubernetesClient admin, String operatorNamespace) throws Exception {
    Fixtures.awsKeys(admin, operatorNamespace, KEY_ID, SECRET_KEY);
    return FakeAws.start(REGION).allow(KEY_ID, SECRET_KEY);
  }

  /**
   * A token lifetime that leaves a phase lasting {@code phaseMs} at least twice its time before the
   * next refresh (which comes after half the lifetime): four times it, at least {@link
   * #SHORTEST_LIFETIME}, in whole seconds.
   */
  static Duration lifetimeFor(long phaseMs) {
    long seconds = (4 * phaseMs + 999) / 1000;
    return Duration.ofSeconds(Math.max(SHORTEST_LIFETIME.toSeconds(), seconds));
  }

  /**
   * Fans the credential out to {@code namespaces}, lets the operator rotate it {@code rotations}
   * times with namespace churn going on, then deletes it and waits for its clean-up.
   *
   * @param fanOutMs how long a fan-out took before: the first token lives long enough for this one
   * @param rotationMs how long a rotation took before: later tokens live long enough for theirs
   * @param createNamespace creates a namespace in the selected set, with its ServiceAccount
   */
  void run(
      List<String> namespaces,
      int rotations,
      long fanOutMs,
      long rotationMs,
      Duration timeout,
      Consumer<String> createNamespace)
      throws Exception {
    Duration firstLifetime = lifetimeFor(fanOutMs);
    Duration lifetime = lifetimeFor(rotationMs);
    try (Convergence seen = new Convergence(admin, CREDENTIAL, CREDENTIAL)) {
      aws.tokenLifetime(firstLifetime);
      int calls = aws.calls(Operation.ECR);
      admin.resource(credential()).create();
      Set<String> contents = new LinkedHashSet<>();
      contents.add(seen.awaitUniform(namespaces, contents, timeout.plus(firstLifetime)));
      int fanOutCalls = aws.calls(Operation.ECR) - calls;
      aws.tokenLifetime(lifetime);

      AtomicInteger churned = new AtomicInteger();
      List<Long> rotationMsSeen = new ArrayList<>();
      int rotationCalls;
      int churnedNamespaces;
      try (Repeating churn =
          Repeating.start(
              "namespace churn",
              () -> {
                String ns = String.format("bench-churn-%05d", churned.getAndIncrement());
                createNamespace.accept(ns);
                seen.awaitWritten(List.of(ns), timeout);
                Fixtures.removeNamespace(admin, ns);
              })) {
        calls = aws.calls(Operation.ECR);
        for (int i = 0; i < rotations; i++) {
          contents.add(seen.awaitUniform(namespaces, contents, timeout.plus(lifetime)));
          List<IssuedToken> issued = aws.issuedTokens();
          Instant fetched = issued.get(issued.size() - 1).issuedAt();
          rotationMsSeen.add(Duration.between(fetched, Instant.now()).toMillis());
          churn.check();
        }
        rotationCalls = aws.calls(Operation.ECR) - calls;
        churnedNamespaces = churn.stop();
      }
      long cleanupStart = System.nanoTime();
      CredentialChecks.deleteAndWait(admin, CREDENTIAL, timeout);
      seen.awaitGone(namespaces, timeout);
      long cleanupMs = (System.nanoTime() - cleanupStart) / 1_000_000;

      double perRotation = Math.round((double) rotationCalls / rotations * 100) / 100.0;
      figures
          .put("cloudCallsPerRotation", perRotation)
          .put("cloudCallsFanout", fanOutCalls)
          .put("cloudRotations", rotations)
          .put("cloudRotationCalls", rotationCalls)
          .put("cloudRotationMs", rotationMsSeen)
          .put("cloudChurnNamespaces", churnedNamespaces)
          .put(
              "cloudTokenLifetimeSeconds", List.of(firstLifetime.toSeconds(), lifetime.toSeconds()))
          .put("cloudRejectedCalls", aws.rejections().size())
          .put("cloudCleanupMs", cleanupMs)
          .line(
              "cloud (ECR fake) calls per rotation %.2f: %d calls for %d rotations to %d"
                  + " namespaces by expiry (tokens of %d s, first %d s), %d namespaces created and"
                  + " deleted meanwhile; %d call(s) for the fan-out; rotations took %s ms",
              perRotation,
              rotationCalls,
              rotations,
              namespaces.size(),
              lifetime.toSeconds(),
              firstLifetime.toSeconds(),
              churnedNamespaces,
              fanOutCalls,
              rotationMsSeen);
    }
  }

  private static io.regcred.api.v1alpha1.ClusterRegistryCredential credential() {
    return Credentials.named(CREDENTIAL)
        .ecr(Credentials.ecrSource(REGION, KEYS_SECRET, ACCOUNT))
        .selector(Map.of(ScaleRun.LABEL, "yes"))
        .build();
  }
}
