package io.regcred.bench;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A step run again and again on a thread of its own until stopped: load the benchmark keeps up
 * (rotations, namespace churn) while it measures something else. A failed step ends the loop, and
 * {@link #check} or {@link #stop} throws its failure.
 */
final class Repeating implements AutoCloseable {

  /** One step; it throws when something it waits for does not happen. */
  interface Step {
    void run() throws Exception;
  }

  private final Thread thread;
  private final AtomicInteger done = new AtomicInteger();
  private final AtomicReference<Exception> failure = new AtomicReference<>();
  private volatile boolean stopping;

  private Repeating(String name, Step step) {
    this.thread =
        new Thread(
            () -> {
              try {
                while (!stopping) {
                  step.run();
                  done.incrementAndGet();
                }
              } catch (Exception e) {
                failure.set(e);
              }
            },
            name);
    thread.setDaemon(true);
    thread.start();
  }

  static Repeating start(String name, Step step) {
    return new Repeating(name, step);
  }

  /** Throws the failure of a step, if one failed. */
  void check() throws Exception {
    Exception e = failure.get();
    if (e != null) {
      throw e;
    }
  }

  /** Lets the step in progress finish, then returns how many steps were done. */
  int stop() throws Exception {
    stopping = true;
    thread.join();
    check();
    return done.get();
  }

  @Override
  public void close() throws InterruptedException {
    if (thread.isAlive()) {
      stopping = true;
      thread.interrupt();
      thread.join(10_000);
    }
  }
}
