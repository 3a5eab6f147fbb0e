package io.regcred.it;

import java.security.Permission;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Turns {@code System.exit} into an exception for as long as it is open, and remembers the attempt.
 *
 * <p>An operator that loses an informer at start-up (JOSDK's default informer-stopped handler) or
 * its Lease (OperatorMain) ends its process, which is right in a pod: it restarts. In a test that
 * runs the operator in-process without a permission it needs, it would end the test JVM and every
 * test after it. Java 17 still lets a test install a SecurityManager for this (deprecated for
 * removal; the build passes {@code -Djava.security.manager=allow} so that JDKs up to 23 allow it
 * too, and JDK 24 removed it).
 */
@SuppressWarnings("removal")
final class ExitTrap implements AutoCloseable {

  private final SecurityManager previous = System.getSecurityManager();
  private final AtomicReference<Integer> attempted = new AtomicReference<>();

  ExitTrap() {
    System.setSecurityManager(
        new SecurityManager() {
          @Override
          public void checkPermission(Permission permission) {}

          @Override
          public void checkPermission(Permission permission, Object context) {}

          @Override
          public void checkExit(int status) {
            attempted.compareAndSet(null, status);
            throw new SecurityException("System.exit(" + status + ") trapped by the test");
          }
        });
  }

  /** The status of the first exit attempted since the last {@link #reset()}. */
  Optional<Integer> attempted() {
    return Optional.ofNullable(attempted.get());
  }

  void reset() {
    attempted.set(null);
  }

  @Override
  public void close() {
    System.setSecurityManager(previous);
  }
}
