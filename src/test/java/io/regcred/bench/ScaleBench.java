package io.regcred.bench;

import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The scale benchmark at full size (1,000 namespaces unless {@code -Dregcred.bench.namespaces} says
 * otherwise): {@code make bench}, or {@code ./mvnw verify -Dtest=NONE
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ScaleBench}. Its name matches no pattern the
 * test plugins pick up by themselves; {@link ScaleBenchIT} runs it small in every build. Prints the
 * table and writes {@code target/bench/scale-<N>.json}; docs/benchmarks.md explains the figures.
 *
 * <p>Other properties: {@code regcred.bench.onboarding} (namespaces onboarded one by one, at idle
 * and during rotations, 100 each), {@code regcred.bench.restartWindowSeconds} (120), {@code
 * regcred.bench.cloudRotations} (3), {@code regcred.bench.unrelatedSecrets} (10,000), {@code
 * regcred.bench.tenantSecrets} (500), {@code regcred.bench.writeConcurrency} (the operator's
 * default), {@code regcred.bench.operator} ({@code payload} or {@code classes}).
 */
class ScaleBench {

  @Test
  void scale() throws Exception {
    var defaults =
        new ScaleRun.Settings(
            1000, 100, Duration.ofMinutes(2), 3, 10_000, 500, OptionalInt.empty(), true);
    new ScaleRun(defaults.withProperties()).run();
  }
}
