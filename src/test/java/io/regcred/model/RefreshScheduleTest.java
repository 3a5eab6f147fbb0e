package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RefreshScheduleTest {

  static final Instant ISSUED = Instant.parse("2026-11-23T00:00:00Z");

  @ParameterizedTest(name = "{0} h token")
  @ValueSource(ints = {1, 3, 12})
  void defaultRefreshIsBetweenHalfAndSixTenthsOfTheLifetime(int hours) {
    Instant expires = ISSUED.plus(Duration.ofHours(hours));
    Duration lifetime = Duration.ofHours(hours);
    for (double jitter : new double[] {0, 0.25, 0.5, 0.999, 1.0, -1}) {
      Instant at = RefreshSchedule.nextRefresh(ISSUED, expires, Optional.empty(), jitter);
      assertThat(at)
          .isBetween(
              ISSUED.plus(lifetime.dividedBy(2)),
              ISSUED.plus(lifetime.multipliedBy(6).dividedBy(10)));
      assertThat(at).isBefore(expires);
    }
    assertThat(RefreshSchedule.nextRefresh(ISSUED, expires, Optional.empty(), 0))
        .isEqualTo(ISSUED.plus(lifetime.dividedBy(2)));
  }

  @Test
  void jitterSpreadsCredentialsIssuedTogether() {
    Instant expires = ISSUED.plus(Duration.ofHours(12));
    var times =
        java.util.stream.IntStream.range(0, 50)
            .mapToObj(
                i ->
                    RefreshSchedule.nextRefresh(
                        ISSUED, expires, Optional.empty(), RefreshSchedule.jitterFor("cred-" + i)))
            .distinct()
            .count();
    assertThat(times).isGreaterThan(30);
    assertThat(RefreshSchedule.jitterFor("same")).isEqualTo(RefreshSchedule.jitterFor("same"));
  }

  @Test
  void beforeExpiryOverridesTheDefault() {
    Instant expires = ISSUED.plus(Duration.ofHours(12));
    assertThat(
            RefreshSchedule.nextRefresh(ISSUED, expires, Optional.of(Duration.ofMinutes(30)), 0.7))
        .isEqualTo(expires.minus(Duration.ofMinutes(30)));
    // Longer than the lifetime: still not before a tenth of it has passed.
    Instant oneHour = ISSUED.plus(Duration.ofHours(1));
    assertThat(RefreshSchedule.nextRefresh(ISSUED, oneHour, Optional.of(Duration.ofHours(2)), 0))
        .isEqualTo(ISSUED.plus(Duration.ofMinutes(6)));
  }

  @Test
  void aShortLivedTokenIsNotRefreshedInALoop() {
    Instant issued = Instant.parse("2026-01-01T00:00:00Z");
    Instant expires = issued.plusSeconds(11);

    Instant refresh =
        RefreshSchedule.nextRefresh(issued, expires, Optional.of(Duration.ofHours(1)), 0);

    assertThat(Duration.between(issued, refresh)).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void expiringIsTheLastTenthOfLife() {
    Instant expires = ISSUED.plus(Duration.ofHours(3));
    assertThat(RefreshSchedule.expiring(ISSUED, expires, ISSUED.plus(Duration.ofMinutes(161))))
        .isFalse();
    assertThat(RefreshSchedule.expiring(ISSUED, expires, ISSUED.plus(Duration.ofMinutes(162))))
        .isTrue();
    assertThat(RefreshSchedule.expiring(ISSUED, expires, expires.plusSeconds(1))).isTrue();
  }

  @Test
  void retryBacksOffButNeverPastExpiry() {
    Instant now = ISSUED;
    assertThat(RefreshSchedule.retryDelay(1, now, Optional.empty()))
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(RefreshSchedule.retryDelay(2, now, Optional.empty()))
        .isEqualTo(Duration.ofSeconds(10));
    assertThat(RefreshSchedule.retryDelay(20, now, Optional.empty()))
        .isEqualTo(Duration.ofMinutes(5));
    for (int failures = 1; failures < 30; failures++) {
      for (long remaining : new long[] {4, 20, 60, 600, 3600, 43200}) {
        Instant expires = now.plusSeconds(remaining);
        Duration delay = RefreshSchedule.retryDelay(failures, now, Optional.of(expires));
        assertThat(now.plus(delay))
            .as("failures=%d remaining=%ds", failures, remaining)
            .isBefore(expires);
        assertThat(delay)
            .isLessThanOrEqualTo(Duration.ofSeconds(remaining).dividedBy(4).plusSeconds(1));
      }
    }
  }

  @Test
  void parsesDurationsAsTheSchemaAcceptsThem() {
    assertThat(RefreshSchedule.parseDuration("30m")).isEqualTo(Duration.ofMinutes(30));
    assertThat(RefreshSchedule.parseDuration("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(RefreshSchedule.parseDuration("1.5h")).isEqualTo(Duration.ofMinutes(90));
    assertThat(RefreshSchedule.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThatThrownBy(() -> RefreshSchedule.parseDuration("10 minutes"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RefreshSchedule.parseDuration(""))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
