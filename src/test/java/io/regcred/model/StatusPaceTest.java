package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatusPaceTest {

  @Test
  void theFirstChangeIsWrittenAtOnce() {
    assertThat(StatusPace.holdFor(Optional.empty())).isEmpty();
  }

  @Test
  void aChangeSoonAfterAWriteWaitsForTheRestOfTheInterval() {
    assertThat(StatusPace.holdFor(Optional.of(Duration.ofMillis(300))))
        .contains(Duration.ofMillis(700));
  }

  @Test
  void aChangeAfterTheIntervalIsWrittenAtOnce() {
    assertThat(StatusPace.holdFor(Optional.of(StatusPace.MIN_INTERVAL))).isEmpty();
    assertThat(StatusPace.holdFor(Optional.of(Duration.ofMinutes(5)))).isEmpty();
  }
}
