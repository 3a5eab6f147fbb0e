package io.regcred.it;

import io.regcred.model.Timebase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * Simulated time: paused at {@code start} until {@link #run} lets it run {@code speed} times faster
 * than real time for a given span, after which it stands still at the end. The operator, its token
 * providers and the fakes share the clock, and the operator's waits are scaled to match.
 *
 * <p>Real latencies would grow by the same factor in simulated time: 100 ms of a loaded machine
 * become minutes. A test may therefore {@link #hold} the clock while the operator works on
 * something it must not be charged for, and {@link #release} it after; time then resumes where it
 * stood. Waits already handed out end early in simulated time (the operator wakes, finds nothing
 * due, and waits again), never late.
 */
final class SimulatedTime implements Timebase {

  private final long speed;
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
          throw new UnsupportedOperationException("simulated time is UTC");
        }

        @Override
        public Instant instant() {
          return now();
        }
      };

  /** Simulated time at {@link #realBase}, from which it runs when running and not held. */
  private Instant simBase;

  private long realBase;
  private Instant end;
  private int holds;

  SimulatedTime(Instant start, long speed) {
    this.simBase = start;
    this.speed = speed;
  }

  @Override
  public Clock clock() {
    return clock;
  }

  /** Rounded up to whole milliseconds, which is what the framework's timer counts in. */
  @Override
  public Duration realDelay(Duration clockDelay) {
    long millis = clockDelay.toMillis();
    return Duration.ofMillis((millis + speed - 1) / speed);
  }

  /** Lets time run from where it stands for {@code span}; returns the simulated end. */
  synchronized Instant run(Duration span) {
    end = simBase.plus(span);
    realBase = System.nanoTime();
    return end;
  }

  /** Stops the clock until as many {@link #release}s as holds. */
  synchronized void hold() {
    simBase = now();
    holds++;
  }

  synchronized void release() {
    holds--;
    realBase = System.nanoTime();
  }

  /** The simulated duration of a real one. */
  Duration simulated(Duration real) {
    return real.multipliedBy(speed);
  }

  /** The real duration of a simulated one. */
  Duration real(Duration simulated) {
    return simulated.dividedBy(speed);
  }

  private synchronized Instant now() {
    if (end == null || holds > 0) {
      return simBase;
    }
    Instant at = simBase.plusNanos((System.nanoTime() - realBase) * speed);
    return at.isBefore(end) ? at : end;
  }
}
