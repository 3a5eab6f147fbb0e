package io.regcred;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Threads that never keep the JVM alive, named after the work they do. */
public final class DaemonThreads {

  private DaemonThreads() {}

  /** Threads named {@code <prefix>-1}, {@code <prefix>-2}, … */
  public static ThreadFactory named(String prefix) {
    var counter = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + counter.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
