package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.regcred.api.v1alpha1.RegistryCredentialStatus;
import io.regcred.api.v1alpha1.RegistryCredentialStatus.SyncFailure;
import io.regcred.model.EventPlan.PlannedEvent;
import io.regcred.model.PassScope.Basis;
import io.regcred.model.PassScope.Full;
import io.regcred.model.PassScope.Partial;
import io.regcred.model.StatusFactory.SourceState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The decisions of a pass as tables of named cases with a fixed clock: how much of a credential a
 * reconcile looks at, which failures status keeps, and which Events go out.
 */
class PassPlanTest {

  static final Instant NOW = Instant.parse("2026-05-01T10:00:00Z");
  static final Basis LAST = new Basis(3, "content-a", NOW.minusSeconds(60));

  // --- the scope of a pass

  record ScopeCase(
      String name,
      Optional<Basis> last,
      Basis current,
      Optional<Instant> due,
      Set<String> marked,
      Optional<SortedSet<String>> partial) {}

  static Optional<SortedSet<String>> partial(String... namespaces) {
    return Optional.of(new TreeSet<>(List.of(namespaces)));
  }

  static final Optional<SortedSet<String>> FULL = Optional.empty();

  /** Where a retry is pending in every scope case: what failed, or a prune could not clear. */
  static final Set<String> RETRYING = Set.of("team-z");

  @Test
  void scopes() {
    Basis same = new Basis(3, "content-a", NOW);
    Set<String> many =
        IntStream.rangeClosed(0, PassScope.MAX_PARTIAL)
            .mapToObj(i -> "ns-" + i)
            .collect(Collectors.toSet());
    var cases =
        List.of(
            new ScopeCase(
                "first pass since start-up",
                Optional.empty(),
                same,
                Optional.empty(),
                Set.of(),
                FULL),
            new ScopeCase(
                "first pass with marks is still full",
                Optional.empty(),
                same,
                Optional.empty(),
                Set.of("team-a"),
                FULL),
            new ScopeCase(
                "a namespace event: only that namespace",
                Optional.of(LAST),
                same,
                Optional.empty(),
                Set.of("team-a"),
                partial("team-a")),
            new ScopeCase(
                "events in two namespaces: those two",
                Optional.of(LAST),
                same,
                Optional.empty(),
                Set.of("team-b", "team-a"),
                partial("team-a", "team-b")),
            new ScopeCase(
                "no event for any namespace: nothing to bring in line",
                Optional.of(LAST),
                same,
                Optional.empty(),
                Set.of(),
                partial()),
            new ScopeCase(
                "the spec changed",
                Optional.of(LAST),
                new Basis(4, "content-a", NOW),
                Optional.empty(),
                Set.of("team-a"),
                FULL),
            new ScopeCase(
                "a new token (rotation)",
                Optional.of(LAST),
                new Basis(3, "content-b", NOW),
                Optional.empty(),
                Set.of(),
                FULL),
            new ScopeCase(
                "a retry due now: what failed, with what was marked",
                Optional.of(LAST),
                same,
                Optional.of(NOW),
                Set.of("team-a"),
                partial("team-a", "team-z")),
            new ScopeCase(
                "a retry overdue",
                Optional.of(LAST),
                same,
                Optional.of(NOW.minusSeconds(30)),
                Set.of(),
                partial("team-z")),
            new ScopeCase(
                "a retry not yet due: events do not bring it forward",
                Optional.of(LAST),
                same,
                Optional.of(NOW.plusSeconds(5)),
                Set.of("team-a"),
                partial("team-a")),
            new ScopeCase(
                "the periodic full pass is due",
                Optional.of(new Basis(3, "content-a", NOW.minus(PassScope.FULL_PASS_EVERY))),
                same,
                Optional.empty(),
                Set.of("team-a"),
                FULL),
            new ScopeCase(
                "a second before the periodic full pass",
                Optional.of(
                    new Basis(3, "content-a", NOW.minus(PassScope.FULL_PASS_EVERY).plusSeconds(1))),
                same,
                Optional.empty(),
                Set.of("team-a"),
                partial("team-a")),
            new ScopeCase(
                "events in more namespaces than a partial pass takes",
                Optional.of(LAST),
                same,
                Optional.empty(),
                many,
                FULL),
            new ScopeCase(
                "as many events as a partial pass takes",
                Optional.of(LAST),
                same,
                Optional.empty(),
                many.stream().skip(1).collect(Collectors.toSet()),
                Optional.of(new TreeSet<>(many.stream().skip(1).toList()))));
    for (var c : cases) {
      PassScope scope = PassScope.decide(c.last(), c.current(), c.due(), c.marked(), RETRYING);
      if (c.partial().isEmpty()) {
        assertThat(scope).as(c.name()).isInstanceOf(Full.class);
      } else {
        assertThat(scope).as(c.name()).isInstanceOf(Partial.class);
        assertThat(((Partial) scope).namespaces()).as(c.name()).isEqualTo(c.partial().get());
      }
    }
    assertThat(cases).hasSizeGreaterThanOrEqualTo(14);
  }

  // --- the failures status keeps

  static SyncFailure failure(String ns, String reason) {
    return new SyncFailure(ns, reason, "failed in " + ns);
  }

  record FailureCase(
      String name,
      List<SyncFailure> before,
      PassScope scope,
      Set<String> targets,
      List<SyncFailure> examined,
      List<String> expected) {}

  @Test
  void failuresAfterAPass() {
    var forbidden = failure("team-a", "Forbidden");
    var conflict = failure("team-b", "Conflict");
    var cases =
        List.of(
            new FailureCase(
                "a full pass reports only what it found",
                List.of(forbidden, conflict),
                new Full("test"),
                Set.of("team-a", "team-b"),
                List.of(failure("team-b", "Conflict")),
                List.of("team-b")),
            new FailureCase(
                "a partial pass keeps failures of namespaces it did not look at",
                List.of(forbidden, conflict),
                new Partial(new TreeSet<>(Set.of("team-c"))),
                Set.of("team-a", "team-b", "team-c"),
                List.of(),
                List.of("team-a", "team-b")),
            new FailureCase(
                "a partial pass clears a namespace it fixed",
                List.of(forbidden, conflict),
                new Partial(new TreeSet<>(Set.of("team-a"))),
                Set.of("team-a", "team-b"),
                List.of(),
                List.of("team-b")),
            new FailureCase(
                "a partial pass adds a namespace that now fails",
                List.of(conflict),
                new Partial(new TreeSet<>(Set.of("team-c"))),
                Set.of("team-b", "team-c"),
                List.of(failure("team-c", "Forbidden")),
                List.of("team-b", "team-c")),
            new FailureCase(
                "a namespace that left the targets drops out",
                List.of(forbidden, conflict),
                new Partial(new TreeSet<>(Set.of("team-c"))),
                Set.of("team-b", "team-c"),
                List.of(),
                List.of("team-b")));
    for (var c : cases) {
      var before = new TreeMap<String, SyncFailure>();
      c.before().forEach(f -> before.put(f.namespace(), f));
      var history = new PassHistory(Optional.of(LAST), before, new TreeSet<>(), Optional.empty());
      assertThat(history.failuresAfter(c.scope(), c.targets(), c.examined()))
          .as(c.name())
          .extracting(SyncFailure::namespace)
          .containsExactlyElementsOf(c.expected());
    }
  }

  @Test
  void onlyAFullPassMovesTheBasis() {
    Basis now = new Basis(3, "content-a", NOW);
    var history =
        new PassHistory(Optional.of(LAST), new TreeMap<>(), new TreeSet<>(), Optional.empty());
    assertThat(
            history
                .after(new Partial(new TreeSet<>()), now, List.of(), Set.of(), Optional.empty())
                .lastFull())
        .contains(LAST);
    assertThat(
            history.after(new Full("test"), now, List.of(), Set.of(), Optional.empty()).lastFull())
        .contains(now);
  }

  @Test
  void aFailedPruneIsRetriedUntilAPassLooksAtItsNamespaceAgain() {
    var history =
        new PassHistory(Optional.of(LAST), new TreeMap<>(), new TreeSet<>(), Optional.of(NOW));
    var failed =
        history.after(
            new Partial(new TreeSet<>(Set.of("left"))),
            LAST,
            List.of(),
            Set.of("left"),
            Optional.of(NOW.plusSeconds(5)));
    assertThat(failed.unpruned()).containsExactly("left");
    // Another namespace's event leaves it pending; the retry, when due, looks at it.
    var unrelated =
        failed.after(
            new Partial(new TreeSet<>(Set.of("team-a"))),
            LAST,
            List.of(),
            Set.of(),
            Optional.of(NOW.plusSeconds(5)));
    assertThat(unrelated.unpruned()).containsExactly("left");
    assertThat(unrelated.scope(new Basis(3, "content-a", NOW.plusSeconds(5)), Set.of()))
        .isEqualTo(new Partial(new TreeSet<>(Set.of("left"))));
    var retried =
        unrelated.after(
            new Partial(new TreeSet<>(Set.of("left"))),
            LAST,
            List.of(),
            Set.of(),
            Optional.empty());
    assertThat(retried.unpruned()).isEmpty();
  }

  // --- the Events

  static final SourceState UP = SourceState.available("static", Optional.empty());

  static RegistryCredentialStatus status(
      RegistryCredentialStatus previous, SourceState source, List<SyncFailure> failures) {
    int targeted = 3;
    return StatusFactory.build(
        previous,
        1,
        "static",
        source,
        new SyncReport(targeted, targeted - failures.size(), failures, false, 0),
        Optional.empty(),
        Optional.empty(),
        NOW);
  }

  record EventCase(
      String name,
      RegistryCredentialStatus previous,
      SourceState source,
      List<SyncFailure> failures,
      List<SyncFailure> newConflicts,
      boolean rotated,
      List<String> expected) {}

  @Test
  void events() {
    var down = SourceState.failed("ProviderUnavailable", "HTTP 503");
    var downWorse = SourceState.failed("ProviderUnavailable", "HTTP 502");
    var expiring =
        SourceState.failed(
            "ProviderUnavailable", "HTTP 503", NOW.plus(Duration.ofMinutes(5)), true);
    var synced = status(null, UP, List.of());
    var writeFailed = status(null, UP, List.of(failure("team-a", "WriteConflict")));
    var sourceDown = status(synced, down, List.of());
    var conflict = failure("team-b", "Conflict");
    var cases =
        List.of(
            new EventCase(
                "first pass, all synced",
                null,
                UP,
                List.of(),
                List.of(),
                false,
                List.of("Normal AllNamespacesSynced")),
            new EventCase("nothing changed", synced, UP, List.of(), List.of(), false, List.of()),
            new EventCase(
                "the same write failure again",
                status(null, UP, List.of(failure("team-c", "Forbidden"))),
                UP,
                List.of(failure("team-c", "Forbidden")),
                List.of(),
                false,
                List.of()),
            new EventCase(
                "a new conflict",
                synced,
                UP,
                List.of(conflict),
                List.of(conflict),
                false,
                List.of("Warning Conflict")),
            new EventCase(
                "a known conflict is not repeated",
                status(synced, UP, List.of(conflict)),
                UP,
                List.of(conflict),
                List.of(),
                false,
                List.of()),
            new EventCase(
                "a rotation", synced, UP, List.of(), List.of(), true, List.of("Normal Rotated")),
            new EventCase(
                "the source fails",
                synced,
                down,
                List.of(),
                List.of(),
                false,
                List.of("Warning ProviderUnavailable")),
            new EventCase(
                "the source keeps failing the same way",
                sourceDown,
                down,
                List.of(),
                List.of(),
                false,
                List.of()),
            new EventCase(
                "the source fails with the same reason, another message",
                sourceDown,
                downWorse,
                List.of(),
                List.of(),
                false,
                List.of("Warning ProviderUnavailable")),
            new EventCase(
                "the last good token is about to expire",
                sourceDown,
                expiring,
                List.of(),
                List.of(),
                false,
                List.of("Warning Expiring")),
            new EventCase(
                "a write fails",
                synced,
                UP,
                List.of(failure("team-a", "WriteConflict")),
                List.of(),
                false,
                List.of("Warning SyncFailed")),
            new EventCase(
                "the failure is reworded",
                writeFailed,
                UP,
                List.of(failure("team-b", "WriteConflict")),
                List.of(),
                false,
                List.of("Warning SyncFailed")),
            new EventCase(
                "fixed again",
                writeFailed,
                UP,
                List.of(),
                List.of(),
                false,
                List.of("Normal AllNamespacesSynced")));
    for (var c : cases) {
      var after = status(c.previous(), c.source(), c.failures());
      assertThat(EventPlan.decide(c.previous(), after, c.source(), c.newConflicts(), c.rotated()))
          .as(c.name())
          .extracting(e -> (e.warning() ? "Warning " : "Normal ") + e.reason())
          .containsExactlyElementsOf(c.expected());
    }
  }

  @Test
  void aNamespaceOnboardedIsNoEvent() {
    var three = status(null, UP, List.of());
    var four =
        StatusFactory.build(
            three,
            1,
            "static",
            UP,
            new SyncReport(4, 4, List.of(), false, 2),
            Optional.empty(),
            Optional.empty(),
            NOW);
    assertThat(EventPlan.decide(three, four, UP, List.of(), false)).isEmpty();
  }

  @Test
  void anEventCarriesTheFailureAsWritten() {
    var conflict = failure("team-b", "Conflict");
    assertThat(
            EventPlan.decide(
                null, status(null, UP, List.of(conflict)), UP, List.of(conflict), false))
        .first()
        .isEqualTo(new PlannedEvent(true, "Conflict", "failed in team-b"));
  }

  @Test
  void anUnexpectedErrorDoubtsReadyAndKeepsWhatThePassEstablished() {
    var synced = status(null, UP, List.of());
    var failed = StatusFactory.unexpected(synced, 1, "the reconcile failed (X); retrying", NOW);
    assertThat(StatusFactory.find(failed, ConditionType.Ready).orElseThrow())
        .satisfies(
            c -> {
              assertThat(c.getStatus()).isEqualTo("False");
              assertThat(c.getReason()).isEqualTo("ReconcileError");
            });
    assertThat(StatusFactory.find(failed, ConditionType.Synced))
        .isEqualTo(StatusFactory.find(synced, ConditionType.Synced));
    assertThat(failed.getNamespaces()).isEqualTo(synced.getNamespaces());
    assertThat(synced.getConditions()).hasSize(3); // the previous status is not changed
    assertThat(StatusFactory.find(synced, ConditionType.Ready).orElseThrow().getStatus())
        .isEqualTo("True");
  }
}
