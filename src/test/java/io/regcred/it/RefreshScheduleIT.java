package io.regcred.it;

import static io.regcred.it.Fixtures.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.model.RefreshSchedule;
import io.regcred.model.RegistryToken;
import io.regcred.provider.ProviderHttp;
import io.regcred.provider.SourceException;
import io.regcred.provider.TokenProvider;
import io.regcred.provider.ecr.AwsEndpoints;
import io.regcred.provider.ecr.AwsIdentityEnv;
import io.regcred.provider.ecr.EcrTokenProvider;
import io.regcred.provider.ecr.FakeAws;
import io.regcred.provider.ecr.FakeAws.IssuedToken;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * R1: 48 hours of ECR tokens that live 1 h, 3 h and 12 h, simulated in about a minute and a half on
 * the real API server. The operator, the ECR provider and the fake AWS share one simulated clock
 * that runs {@value #SPEED} times faster than real time (one simulated hour in 1.5 real seconds);
 * the operator's waits are scaled by the same factor.
 *
 * <p><b>What "exact" means.</b> The documented schedule refreshes a token issued at {@code i} with
 * lifetime {@code L} at {@code i + L/2 + j·L/10}, where the jitter {@code j} in [0, 1) is a hash of
 * the credential's UID and {@code i}. UIDs are new in every run and issue times move with real
 * latencies, so no count can be fixed before the run: over 48 h a 1 h token may need anything from
 * 81 to 97 fetches, a 3 h token 27 to 33, a 12 h token 7 to 9 (the bounds asserted also allow each
 * fetch its lateness). What the schedule does fix, once a token is in hand, is the next refresh.
 * The test replays it token by token from the tokens the operator received, and the fake's own
 * record of the calls it answered must match the replay exactly: one fetch at the start and then
 * one per refresh time that falls within the 48 h; none before its refresh time, none missing, none
 * extra. The simulation begins paused, so all three first fetches are stamped with its start, and
 * ends standing still at 48 h, so the window's end is sharp: a refresh due by then is fetched
 * (stamped with the end), none later is.
 *
 * <p><b>Margins.</b> A token is refreshed at 50 % to 60 % of its life, so when its refresh is due
 * at least 40 % of it is left: 24 simulated minutes for the 1 h token, 600 ms real. Charged to
 * simulated time is the way from "due" to the provider call: the framework's timer, the start of a
 * reconcile, its reads from the caches, the decision; tens of milliseconds, a few hundred on a
 * loaded two-core machine. A fetch may come at most {@link #LATE_REAL} (500 ms real, 20 simulated
 * minutes) after its refresh time, which still leaves the 1 h token 4 minutes. The fetch itself and
 * the writes that follow (the SDK call, the state Secret, the target Secret, the watch that sees
 * it) take milliseconds against hours in production, but would take simulated minutes here: the
 * clock is held from the provider call until the watch sees the new token in its namespace.
 * Independently of the replay, every fetch must come before the previous token's expiry as the fake
 * stamped it, and every version of each namespace's Secret must hold a token the fake issued, each
 * replaced before it expired.
 */
class RefreshScheduleIT {

  static final String NS = "regcred-r1";
  static final long SPEED = 2400;
  static final Duration SIMULATED = Duration.ofHours(48);
  static final Duration LATE_REAL = Duration.ofMillis(500);
  static final String KEY_ID = "AKIDREGCREDR1000001";
  static final String SECRET_KEY = "sk-r1-" + System.nanoTime();

  /** One credential per lifetime, each with its own registry id and namespace. */
  enum Lifetime {
    ONE_HOUR("1h", "100000000001", Duration.ofHours(1)),
    THREE_HOURS("3h", "300000000003", Duration.ofHours(3)),
    TWELVE_HOURS("12h", "120000000012", Duration.ofHours(12));

    final String label;
    final String registryId;
    final Duration lifetime;

    Lifetime(String label, String registryId, Duration lifetime) {
      this.label = label;
      this.registryId = registryId;
      this.lifetime = lifetime;
    }

    String credential() {
      return "r1-" + label;
    }

    String namespace() {
      return "r1-" + label;
    }

    /** Every refresh at half the lifetime, the earliest the schedule allows. */
    int mostFetches() {
      return 1 + (int) SIMULATED.dividedBy(lifetime.dividedBy(2));
    }

    /** Every refresh at six tenths of the lifetime, the latest, and {@code late} after that. */
    int fewestFetches(Duration late) {
      return 1 + (int) SIMULATED.dividedBy(lifetime.multipliedBy(6).dividedBy(10).plus(late));
    }
  }

  /** A token as the operator received it, with the UID its jitter is computed from. */
  record Received(String uid, Instant issuedAt, Instant expiresAt) {}

  /** A version of a target Secret seen by the watch, at a simulated time. */
  record Seen(Instant at, String password) {}

  final KubernetesClient client = TestCluster.newAdminClient();
  final Map<String, List<Received>> received = new ConcurrentHashMap<>();
  final Map<String, List<Seen>> seen = new ConcurrentHashMap<>();
  final List<Watch> watches = new ArrayList<>();

  /** Releases of the clock, by the password the watch must see first. */
  final Map<String, Runnable> releaseWhenSeen = new ConcurrentHashMap<>();

  final ScheduledExecutorService timeouts = Executors.newSingleThreadScheduledExecutor();
  FakeAws aws;
  RunningOperator operator;

  @AfterEach
  void cleanUp() {
    watches.forEach(Watch::close);
    timeouts.shutdownNow();
    for (Lifetime l : Lifetime.values()) {
      client.resources(ClusterRegistryCredential.class).withName(l.credential()).delete();
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                client.resources(ClusterRegistryCredential.class).list().getItems().stream()
                    .noneMatch(c -> c.getMetadata().getName().startsWith("r1-")));
    if (operator != null) {
      operator.close();
    }
    if (aws != null) {
      aws.close();
    }
    for (Lifetime l : Lifetime.values()) {
      client.namespaces().withName(l.namespace()).delete();
    }
    client.namespaces().withName(NS).delete();
    client.close();
  }

  @Test
  void fortyEightHoursOfOneThreeAndTwelveHourTokensRefreshOnScheduleAndBeforeExpiry()
      throws Exception {
    var time = new SimulatedTime(Instant.now().truncatedTo(ChronoUnit.SECONDS), SPEED);
    Duration late = time.simulated(LATE_REAL);
    aws = FakeAws.start("eu-west-1").allow(KEY_ID, SECRET_KEY).clock(time.clock());
    for (Lifetime l : Lifetime.values()) {
      aws.tokenLifetime(l.registryId, l.lifetime);
    }
    namespace(client, NS, Map.of());
    Fixtures.awsKeys(client, NS, KEY_ID, SECRET_KEY);
    var endpoints =
        new AwsEndpoints(Optional.of(aws.uri()), Optional.of(aws.uri()), Optional.of(aws.uri()));
    operator =
        RunningOperator.start(
            TestCluster.newAdminClient(),
            NS,
            time,
            secrets ->
                List.of(
                    recording(
                        time,
                        new EcrTokenProvider(
                            secrets,
                            time.clock(),
                            endpoints,
                            ProviderHttp.defaults(),
                            AwsIdentityEnv.none()))));
    for (Lifetime l : Lifetime.values()) {
      namespace(client, l.namespace(), Map.of("r1", l.label));
      watchSecret(l, time);
      credential(l);
    }
    // Paused time: every first fetch happens at the simulation's start.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                List.of(Lifetime.values()).stream()
                    .allMatch(l -> !seen.getOrDefault(l.namespace(), List.of()).isEmpty()));

    Instant end = time.run(SIMULATED);
    // Until the end, or until there are more fetches than any schedule allows (the clock is held
    // during each fetch, so a loop would stretch the run without end).
    int ceiling = Stream.of(Lifetime.values()).mapToInt(Lifetime::mostFetches).sum();
    await()
        .atMost(time.real(SIMULATED).plus(Duration.ofSeconds(60)))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> time.clock().instant().equals(end) || aws.issuedTokens().size() > ceiling);
    Thread.sleep(2_000); // long enough for a refresh due at the very end to land

    // The bounds the schedule implies for any jitter, independently of the replay.
    for (Lifetime l : Lifetime.values()) {
      assertThat(issued(l).size())
          .as(l.label + " tokens: fetches within the bounds any jitter allows")
          .isBetween(l.fewestFetches(late), l.mostFetches());
    }
    assertThat(time.clock().instant()).as("the simulation ran to its end").isEqualTo(end);

    Map<Lifetime, Integer> counts = new EnumMap<>(Lifetime.class);
    Duration minMargin = ChronoUnit.FOREVER.getDuration();
    Duration maxLate = Duration.ZERO;
    for (Lifetime l : Lifetime.values()) {
      List<IssuedToken> issued = issued(l);
      List<Received> tokens = received.getOrDefault(l.credential(), List.of());
      String what = l.label + " tokens";
      assertThat(tokens.size())
          .as(what + ": every token the fake issued reached the operator")
          .isEqualTo(issued.size());
      assertThat(issued.get(0).issuedAt())
          .as(what + ": first fetch")
          .isEqualTo(end.minus(SIMULATED));

      // The replay: the refresh time of each token, by the documented rule.
      List<Instant> due = tokens.stream().map(RefreshScheduleIT::documentedRefresh).toList();
      long dueInWindow = due.stream().filter(at -> !at.isAfter(end)).count();
      assertThat(issued.size())
          .as(what + ": one fetch at the start, then one per refresh time within the 48 h")
          .isEqualTo(1 + (int) dueInWindow);
      for (int k = 0; k + 1 < issued.size(); k++) {
        Instant fetched = issued.get(k + 1).issuedAt();
        String which = what + ": fetch " + (k + 1) + " at " + fetched;
        assertThat(fetched)
            .as(which + ", not before its refresh time")
            .isAfterOrEqualTo(due.get(k));
        assertThat(fetched)
            .as(which + ", before the token it replaces expired")
            .isBefore(issued.get(k).expiresAt());
        assertThat(fetched)
            .as(which + ", soon after its refresh time")
            .isBeforeOrEqualTo(due.get(k).plus(late));
        Duration margin = Duration.between(fetched, issued.get(k).expiresAt());
        minMargin = margin.compareTo(minMargin) < 0 ? margin : minMargin;
        Duration lateness = Duration.between(due.get(k), fetched);
        maxLate = lateness.compareTo(maxLate) > 0 ? lateness : maxLate;
      }
      assertNamespaceAlwaysHeldAnUnexpiredToken(l, issued, end);
      counts.put(l, issued.size());
    }
    System.out.printf(
        "refresh over 48 h: 1h tokens %d fetches, 3h %d, 12h %d; min margin before expiry %d min;"
            + " latest fetch %.1f min after its refresh time (%d ms real)%n",
        counts.get(Lifetime.ONE_HOUR),
        counts.get(Lifetime.THREE_HOURS),
        counts.get(Lifetime.TWELVE_HOURS),
        minMargin.toMinutes(),
        maxLate.toMillis() / 60_000.0,
        time.real(maxLate).toMillis());
  }

  /** The ECR tokens the fake issued for a credential, in order. */
  private List<IssuedToken> issued(Lifetime l) {
    return aws.issuedTokens().stream()
        .filter(t -> t.registryIds().equals(List.of(l.registryId)))
        .toList();
  }

  /** The documented default: half the lifetime, plus up to a tenth of it by a stable jitter. */
  private static Instant documentedRefresh(Received token) {
    Duration lifetime = Duration.between(token.issuedAt(), token.expiresAt());
    double jitter = RefreshSchedule.jitterFor(token.uid() + token.issuedAt());
    return token
        .issuedAt()
        .plus(lifetime.dividedBy(2))
        .plusMillis((long) (lifetime.dividedBy(10).toMillis() * jitter));
  }

  /**
   * Every version of the namespace's Secret carries a token the fake issued, each new one arrives
   * before the one it replaces expires, every token fetched arrives, and the last one outlives the
   * simulation.
   */
  private void assertNamespaceAlwaysHeldAnUnexpiredToken(
      Lifetime l, List<IssuedToken> issued, Instant end) {
    Map<String, IssuedToken> byPassword = new HashMap<>();
    issued.forEach(t -> byPassword.put(t.password(), t));
    List<Seen> versions = seen.get(l.namespace());
    String held = null;
    for (Seen version : versions) {
      assertThat(byPassword.containsKey(version.password()))
          .as(l.label + ": the Secret in " + l.namespace() + " holds a token the fake issued")
          .isTrue();
      if (held != null && !held.equals(version.password())) {
        assertThat(version.at())
            .as(
                l.label
                    + ": the Secret in "
                    + l.namespace()
                    + " got a new token at "
                    + version.at()
                    + " before its old one expired")
            .isBefore(byPassword.get(held).expiresAt());
      }
      held = version.password();
    }
    assertThat(versions.stream().map(Seen::password).distinct().count())
        .as(l.label + ": every fetched token was written to " + l.namespace())
        .isEqualTo(issued.size());
    assertThat(byPassword.get(held).expiresAt())
        .as(l.label + ": the last token outlives the 48 h")
        .isAfter(end);
  }

  private void watchSecret(Lifetime l, SimulatedTime time) {
    List<Seen> versions = new CopyOnWriteArrayList<>();
    seen.put(l.namespace(), versions);
    watches.add(
        client
            .secrets()
            .inNamespace(l.namespace())
            .withName(l.credential())
            .watch(
                new Watcher<Secret>() {
                  @Override
                  public void eventReceived(Action action, Secret secret) {
                    if (action == Action.ADDED || action == Action.MODIFIED) {
                      String password = password(secret);
                      versions.add(new Seen(time.clock().instant(), password));
                      Runnable release = releaseWhenSeen.remove(password);
                      if (release != null) {
                        release.run();
                      }
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                }));
  }

  private static String password(Secret secret) {
    try {
      return new ObjectMapper()
          .readTree(Fixtures.decode(secret.getData().get(".dockerconfigjson")))
          .get("auths")
          .elements()
          .next()
          .get("password")
          .asText();
    } catch (java.io.IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void credential(Lifetime l) {
    client
        .resource(
            "apiVersion: regcred.io/v1alpha1\nkind: ClusterRegistryCredential\nmetadata: {name: "
                + l.credential()
                + "}\nspec:\n  source: {ecr: {region: eu-west-1, registryIds: [\""
                + l.registryId
                + "\"], credentialsSecretRef: {name: aws-keys}}}\n"
                + "  target: {namespaces: {selector: {matchLabels: {r1: \""
                + l.label
                + "\"}}}}\n")
        .serverSideApply();
  }

  /**
   * The real provider, recording each token it hands the operator, with the clock held from the
   * call until the token is in its namespace (or for 5 s real at most).
   */
  private TokenProvider recording(SimulatedTime time, TokenProvider provider) {
    return new TokenProvider() {
      @Override
      public boolean supports(ClusterRegistryCredential credential) {
        return provider.supports(credential);
      }

      @Override
      public boolean supports(io.regcred.api.v1alpha1.Source source) {
        return provider.supports(source);
      }

      @Override
      public RegistryToken fetch(io.regcred.api.v1alpha1.Source source) {
        throw new UnsupportedOperationException("this test's credentials are fetched whole");
      }

      @Override
      public RegistryToken fetch(ClusterRegistryCredential credential) throws SourceException {
        time.hold();
        var released = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable release =
            () -> {
              if (released.compareAndSet(false, true)) {
                time.release();
              }
            };
        RegistryToken token;
        try {
          token = provider.fetch(credential);
        } catch (SourceException | RuntimeException e) {
          release.run();
          throw e;
        }
        releaseWhenSeen.put(token.auths().get(0).password(), release);
        timeouts.schedule(release, 5, TimeUnit.SECONDS);
        received
            .computeIfAbsent(credential.getMetadata().getName(), n -> new CopyOnWriteArrayList<>())
            .add(
                new Received(
                    credential.getMetadata().getUid(),
                    token.issuedAt(),
                    token.expiresAt().orElseThrow()));
        return token;
      }
    };
  }
}
