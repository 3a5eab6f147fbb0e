package io.regcred.model;

import java.time.Clock;
import java.time.Duration;

/**
 * The operator's time: the clock every decision reads, and how long a wait measured on that clock
 * lasts in real time. The operator asks its framework to wake it after a real delay, so a clock
 * that does not run at real speed (a simulation of days in seconds) must say how its durations
 * translate; every other use of time goes through {@link #clock()}.
 */
public interface Timebase {

  Clock clock();

  /** The real time to wait until {@code clockDelay} has passed on {@link #clock()}. */
  Duration realDelay(Duration clockDelay);

  /** A clock that runs at real speed (the system's, or a fixed or offset one in tests). */
  static Timebase of(Clock clock) {
    return new Timebase() {
      @Override
      public Clock clock() {
        return clock;
      }

      @Override
      public Duration realDelay(Duration clockDelay) {
        return clockDelay;
      }
    };
  }

  /** Production: the system's UTC clock. */
  static Timebase system() {
    return of(Clock.systemUTC());
  }
}
