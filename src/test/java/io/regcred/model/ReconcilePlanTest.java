package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.regcred.Annotations;
import io.regcred.Labels;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.DeletionPolicy;
import io.regcred.model.NamespacePlan.Blocked;
import io.regcred.model.NamespacePlan.Create;
import io.regcred.model.NamespacePlan.InPlace;
import io.regcred.model.NamespacePlan.Update;
import io.regcred.testing.Credentials;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The reconcile's decisions as tables of named cases with a fixed clock: the token (reuse, fetch,
 * wait), each namespace's Secret step and ServiceAccount edits, what is pruned, and when to wake.
 */
class ReconcilePlanTest {

  static final Instant NOW = Instant.parse("2026-05-01T10:00:00Z");
  static final RegistryToken TOKEN =
      new RegistryToken(
          List.of(new RegistryAuth("r.example", "u", "p")),
          NOW.minus(Duration.ofHours(1)),
          Optional.of(NOW.plus(Duration.ofHours(11))));
  static final FetchState.Failure DOWN = new FetchState.Failure("ProviderUnavailable", "HTTP 503");

  static Credentials cred() {
    return Credentials.named("cred").uid("uid-1");
  }

  static ClusterRegistryCredential credential() {
    return cred().build();
  }

  // --- the token

  record TokenCase(
      String name,
      Optional<RegistryToken> current,
      Optional<Instant> refreshAt,
      FetchState fetch,
      Class<? extends TokenDecision> expected) {}

  @Test
  void tokenDecisions() {
    FetchState fresh = FetchState.fresh("k");
    FetchState failedOnce = fresh.failed(DOWN, NOW.minusSeconds(1), Optional.empty());
    FetchState backoffOver = fresh.failed(DOWN, NOW.minusSeconds(600), Optional.empty());
    var cases =
        List.of(
            new TokenCase(
                "no token yet",
                Optional.empty(),
                Optional.empty(),
                fresh,
                TokenDecision.Fetch.class),
            new TokenCase(
                "token before its refresh",
                Optional.of(TOKEN),
                Optional.of(NOW.plusSeconds(60)),
                fresh,
                TokenDecision.Reuse.class),
            new TokenCase(
                "token at its refresh",
                Optional.of(TOKEN),
                Optional.of(NOW),
                fresh,
                TokenDecision.Fetch.class),
            new TokenCase(
                "token past its refresh",
                Optional.of(TOKEN),
                Optional.of(NOW.minusSeconds(5)),
                fresh,
                TokenDecision.Fetch.class),
            new TokenCase(
                "static token is re-read",
                Optional.of(TOKEN),
                Optional.empty(),
                fresh,
                TokenDecision.Fetch.class),
            new TokenCase(
                "failed a second ago: back off",
                Optional.empty(),
                Optional.empty(),
                failedOnce,
                TokenDecision.Wait.class),
            new TokenCase(
                "failed, refresh due, still backing off",
                Optional.of(TOKEN),
                Optional.of(NOW.minusSeconds(5)),
                failedOnce,
                TokenDecision.Wait.class),
            new TokenCase(
                "backoff over",
                Optional.empty(),
                Optional.empty(),
                backoffOver,
                TokenDecision.Fetch.class),
            new TokenCase(
                "a fixed source is tried at once",
                Optional.empty(),
                Optional.empty(),
                failedOnce.forSource("fixed"),
                TokenDecision.Fetch.class),
            new TokenCase(
                "reuse wins over an old backoff",
                Optional.of(TOKEN),
                Optional.of(NOW.plusSeconds(60)),
                failedOnce,
                TokenDecision.Reuse.class));
    for (TokenCase c : cases) {
      assertThat(TokenDecision.decide(c.current(), c.refreshAt(), c.fetch(), NOW))
          .as(c.name())
          .isInstanceOf(c.expected());
    }
  }

  @Test
  void duringAnOutageTheLastGoodTokenIsUsedUntilItExpires() {
    assertThat(TokenDecision.lastGood(Optional.of(TOKEN), NOW)).contains(TOKEN);
    assertThat(TokenDecision.lastGood(Optional.of(TOKEN), NOW.plus(Duration.ofHours(11))))
        .isEmpty();
    assertThat(
            TokenDecision.lastGood(Optional.of(RegistryToken.permanent(TOKEN.auths(), NOW)), NOW))
        .as("a static credential is re-read, never kept through a failure")
        .isEmpty();
  }

  @Test
  void backoffDoublesAndNeverPassesTheLastGoodExpiry() {
    FetchState s = FetchState.fresh("k");
    List<Duration> waits = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      s = s.failed(DOWN, NOW, Optional.empty());
      waits.add(Duration.between(NOW, s.nextAttempt().orElseThrow()));
    }
    assertThat(waits)
        .containsExactly(
            Duration.ofSeconds(5),
            Duration.ofSeconds(10),
            Duration.ofSeconds(20),
            Duration.ofSeconds(40));
    FetchState nearExpiry =
        FetchState.fresh("k").failed(DOWN, NOW, Optional.of(NOW.plusSeconds(8)));
    assertThat(nearExpiry.nextAttempt()).contains(NOW.plusSeconds(2));
    assertThat(s.lastFailure()).contains(DOWN);
  }

  // --- one namespace

  static Secret desired(ClusterRegistryCredential c, String password) {
    var token =
        new RegistryToken(
            List.of(new RegistryAuth("r.example", "u", password)),
            TOKEN.issuedAt(),
            TOKEN.expiresAt());
    return ManagedSecret.desired(c, "ns", token, "h");
  }

  static Secret stored(Secret s) {
    return ManagedSecret.observed(
        new SecretBuilder(s)
            .editMetadata()
            .withResourceVersion("5")
            .withUid("s-uid")
            .endMetadata()
            .build());
  }

  static ServiceAccount sa(String name, String... pullSecrets) {
    return new ServiceAccountBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("ns")
        .endMetadata()
        .withImagePullSecrets(
            java.util.Arrays.stream(pullSecrets).map(LocalObjectReference::new).toList())
        .build();
  }

  static ServiceAccount ourEntryOn(String name) {
    ServiceAccount sa = sa(name, "cred");
    sa.getMetadata().setAnnotations(Map.of(Annotations.ADDED_PULL_SECRETS, "cred"));
    return sa;
  }

  record NamespaceCase(
      String name,
      ClusterRegistryCredential credential,
      Optional<Secret> found,
      List<ServiceAccount> accounts,
      Class<? extends NamespacePlan.SecretStep> step,
      List<String> edits) {}

  @Test
  void namespaceSteps() {
    ClusterRegistryCredential c = credential();
    Secret want = desired(c, "p");
    Secret foreign =
        ManagedSecret.observed(
            new SecretBuilder()
                .withNewMetadata()
                .withName("cred")
                .withNamespace("ns")
                .endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .build());
    Secret retainedLeftover =
        stored(desired(cred().deletionPolicy(DeletionPolicy.Retain).build(), "p"));
    var cases =
        List.of(
            new NamespaceCase(
                "empty namespace", c, Optional.empty(), List.of(), Create.class, List.of()),
            new NamespaceCase(
                "ours, current", c, Optional.of(stored(want)), List.of(), InPlace.class, List.of()),
            new NamespaceCase(
                "ours, rotated",
                c,
                Optional.of(stored(desired(c, "old"))),
                List.of(),
                Update.class,
                List.of()),
            new NamespaceCase(
                "left by Retain: adopted",
                c,
                Optional.of(retainedLeftover),
                List.of(),
                Update.class,
                List.of()),
            new NamespaceCase(
                "someone else's",
                c,
                Optional.of(foreign),
                List.of(sa("default")),
                Blocked.class,
                List.of()),
            new NamespaceCase(
                "default SA gets our entry",
                c,
                Optional.of(stored(want)),
                List.of(sa("default"), sa("builder")),
                InPlace.class,
                List.of("+default")),
            new NamespaceCase(
                "their entries stay, ours added",
                c,
                Optional.empty(),
                List.of(sa("default", "theirs")),
                Create.class,
                List.of("+default")),
            new NamespaceCase(
                "already referenced",
                c,
                Optional.of(stored(want)),
                List.of(sa("default", "cred")),
                InPlace.class,
                List.of()),
            new NamespaceCase(
                "no longer selected: our entry goes",
                cred().serviceAccounts("builder").build(),
                Optional.of(stored(desired(cred().serviceAccounts("builder").build(), "p"))),
                List.of(ourEntryOn("default"), sa("builder")),
                InPlace.class,
                List.of("-default", "+builder")),
            new NamespaceCase(
                "not selected, entry not ours: kept",
                cred().serviceAccounts("builder").build(),
                Optional.empty(),
                List.of(sa("default", "cred")),
                Create.class,
                List.of()));
    for (NamespaceCase k : cases) {
      Secret d = desired(k.credential(), "p");
      NamespacePlan plan = NamespacePlan.plan(k.credential(), d, k.found(), k.accounts());
      assertThat(plan.secret()).as(k.name()).isInstanceOf(k.step());
      assertThat(plan.accounts())
          .as(k.name())
          .extracting(e -> (e.add() ? "+" : "-") + e.serviceAccount().getMetadata().getName())
          .containsExactlyElementsOf(k.edits());
    }
  }

  @Test
  void anUpdateIsTheDesiredSecretAtTheFoundVersion() {
    ClusterRegistryCredential c = credential();
    NamespacePlan plan =
        NamespacePlan.plan(c, desired(c, "new"), Optional.of(stored(desired(c, "old"))), List.of());

    var update = (Update) plan.secret();
    assertThat(update.replacement().getMetadata().getResourceVersion()).isEqualTo("5");
    assertThat(update.replacement().getData()).isEqualTo(desired(c, "new").getData());
  }

  // --- pruning

  static Secret ours(ClusterRegistryCredential c, String ns, String name) {
    Secret s = ManagedSecret.desired(c, ns, TOKEN, "h");
    s.getMetadata().setName(name);
    return ManagedSecret.observed(s);
  }

  record PruneCase(
      String name,
      ClusterRegistryCredential credential,
      Secret secret,
      Set<String> targets,
      Set<String> landed,
      boolean pruned) {}

  @Test
  void pruneDecisions() {
    ClusterRegistryCredential c = credential();
    ClusterRegistryCredential renamed = cred().secretName("new-name").build();
    ClusterRegistryCredential retain = cred().deletionPolicy(DeletionPolicy.Retain).build();
    ClusterRegistryCredential other = credential();
    other.getMetadata().setUid("uid-2");
    Secret labelledOnly =
        ManagedSecret.observed(
            new SecretBuilder()
                .withNewMetadata()
                .withName("old")
                .withNamespace("a")
                .withLabels(
                    Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, Labels.CREDENTIAL, "cred"))
                .endMetadata()
                .build());
    var cases =
        List.of(
            new PruneCase(
                "still targeted", c, ours(c, "a", "cred"), Set.of("a"), Set.of("a"), false),
            new PruneCase(
                "namespace left the target set",
                c,
                ours(c, "b", "cred"),
                Set.of("a"),
                Set.of("a"),
                true),
            new PruneCase(
                "namespace being deleted",
                c,
                ours(c, "gone", "cred"),
                Set.of("a"),
                Set.of(),
                false),
            new PruneCase(
                "renamed, new one in place",
                renamed,
                ours(renamed, "a", "cred"),
                Set.of("a"),
                Set.of("a"),
                true),
            new PruneCase(
                "renamed, new one blocked: old stays",
                renamed,
                ours(renamed, "a", "cred"),
                Set.of("a"),
                Set.of(),
                false),
            new PruneCase(
                "Retain keeps everything",
                retain,
                ours(c, "b", "cred"),
                Set.of("a"),
                Set.of(),
                false),
            new PruneCase("labels without our owner", c, labelledOnly, Set.of(), Set.of(), false),
            new PruneCase(
                "another credential's UID",
                c,
                ours(other, "b", "cred"),
                Set.of(),
                Set.of(),
                false));
    Set<String> active = Set.of("a", "b");
    for (PruneCase k : cases) {
      Predicate<List<Secret>> pruned = l -> l.contains(k.secret());
      assertThat(
              pruned.test(
                  PrunePlan.prunable(
                      k.credential(), List.of(k.secret()), k.targets(), k.landed(), active)))
          .as(k.name())
          .isEqualTo(k.pruned());
    }
  }

  // --- when to wake

  @Test
  void theEarliestMomentWinsAndNothingIsSoonerThanASecond() {
    assertThat(RefreshSchedule.wakeAfter(NOW, List.of(Optional.empty(), Optional.empty())))
        .isEmpty();
    assertThat(
            RefreshSchedule.wakeAfter(
                NOW, List.of(Optional.of(NOW.plusSeconds(300)), Optional.of(NOW.plusSeconds(20)))))
        .contains(Duration.ofSeconds(20));
    assertThat(RefreshSchedule.wakeAfter(NOW, List.of(Optional.of(NOW.minusSeconds(20)))))
        .contains(Duration.ofSeconds(1));
  }
}
