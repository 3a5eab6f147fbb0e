package io.regcred.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.regcred.metrics.OperatorMetrics;
import io.regcred.model.Reason;
import io.regcred.model.RegistryAuth;
import io.regcred.model.RegistryToken;
import io.regcred.model.VerificationResult.ServerCheck;
import io.regcred.provider.verify.RegistryCheck;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a tenant who controls a credential's servers and token changes can make the verifier do:
 * never more than one verification per credential waiting or running, never more than {@link
 * Verifications#MAX_SERVERS} servers proved, and a full queue answers "busy", holding nothing.
 */
class VerificationsTest {

  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger checks = new AtomicInteger();
  private final RegistryCheck blocking =
      (auth, ca) -> {
        checks.incrementAndGet();
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return new ServerCheck(auth.server(), Reason.Verified, "ok");
      };
  private final ThreadPoolExecutor pool =
      new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(4));

  @AfterEach
  void stop() {
    release.countDown();
    pool.shutdownNow();
  }

  private Verifications verifications(RegistryCheck check) {
    return new Verifications(
        check, pool, key -> {}, new OperatorMetrics(Clock.systemUTC()), Clock.systemUTC());
  }

  private static RegistryToken token(String password, int servers) {
    return RegistryToken.permanent(
        IntStream.range(0, servers)
            .mapToObj(i -> new RegistryAuth("registry-" + i + ".example", "u", password))
            .toList(),
        Instant.EPOCH);
  }

  @Test
  void aCredentialWhoseTokenKeepsChangingHasOneVerificationAtATime() {
    var verifications = verifications(blocking);
    for (int i = 0; i < 50; i++) {
      verifications.result("team/pull", token("pw-" + i, 1), null);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> checks.get() == 1);
    assertThat(pool.getQueue()).as("nothing waits behind the running one").isEmpty();

    release.countDown();
    // Once it is done, the newest token is the one proved next, and its result is returned.
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> verifications.result("team/pull", token("pw-49", 1), null).isPresent());
    assertThat(checks.get()).isEqualTo(2);
  }

  @Test
  void onlyTheFirstServersAreProvedAndTheMessageStaysShort() {
    release.countDown();
    var verifications = verifications(blocking);
    var token = token("pw", 1000);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> verifications.result("team/many", token, null).isPresent());
    var result = verifications.result("team/many", token, null).orElseThrow();
    assertThat(checks.get()).isEqualTo(Verifications.MAX_SERVERS);
    assertThat(result.reason()).isEqualTo(Reason.Skipped);
    assertThat(result.message()).contains("and 985 more").hasSizeLessThan(1000);
  }

  @Test
  void aFullQueueAnswersBusyAndTriesAgainSoon() {
    var verifications = verifications(blocking);
    List<String> credentials = IntStream.range(0, 10).mapToObj(i -> "team/c" + i).toList();
    credentials.forEach(c -> verifications.result(c, token("pw", 1), null));
    // One running, four queued: the other five are told the verifier is busy.
    var busy = verifications.result("team/c9", token("pw", 1), null);
    assertThat(busy).hasValueSatisfying(r -> assertThat(r.message()).contains("busy"));
    assertThat(verifications.dueAgain("team/c9").orElseThrow())
        .isBefore(Instant.now().plus(Verifications.BUSY_RETRY).plusSeconds(5));
    assertThat(pool.getQueue()).hasSize(4);
  }
}
