package io.regcred.e2e;

import static io.regcred.it.Fixtures.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.regcred.it.CredentialChecks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The path a new team takes, timed: a labelled namespace is created, the controller-manager creates
 * its {@code default} ServiceAccount, the operator writes its Secret and lists it there, and a Pod
 * created at that moment pulls the private image (asking the registry: {@code Always}). One
 * namespace after the other, 20 times; prints p50 and p99 of namespace-created to Pod-running and
 * of the steps on the way.
 */
class OnboardingToPullE2E extends OnTheNode.WithShippedOperator {

  static final int NAMESPACES = 20;
  static final String CREDENTIAL = "e2e-onboarding";
  static final Map<String, String> SELECTED = Map.of("regcred.io/e2e-onboarding", "yes");
  static final List<String> TEAMS =
      IntStream.rangeClosed(1, NAMESPACES).mapToObj(i -> "e2e-onboard-" + i).toList();

  @BeforeAll
  static void installOperator() throws Exception {
    install("onboarding-to-pull-e2e.log");
  }

  @Test
  void everyNewLabelledNamespacePullsWithNothingInItsPods() {
    staticCredential(CREDENTIAL, SELECTED);
    await("the credential ready")
        .atMost(Duration.ofSeconds(60))
        .until(() -> CredentialChecks.ready(admin, CREDENTIAL, 0));

    double[] account = new double[NAMESPACES];
    double[] listed = new double[NAMESPACES];
    double[] running = new double[NAMESPACES];
    for (int i = 0; i < NAMESPACES; i++) {
      String team = TEAMS.get(i);
      long created = System.nanoTime();
      namespace(admin, team, SELECTED);
      await("the controller-manager creates " + team + "/default")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> pods.account(team) != null);
      account[i] = seconds(created);
      await("the operator lists its Secret in " + team + "/default")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> pods.pullSecrets(team).contains(CREDENTIAL));
      listed[i] = seconds(created);
      assertThat(pods.create(team, "app").getSpec().getImagePullSecrets())
          .as("the Pod's pull Secrets, from its ServiceAccount")
          .hasSize(1);
      pods.awaitRunning(team, "app");
      running[i] = seconds(created);
      // Keeps the node within its Pod limit.
      node.kubectl("delete", "namespace", team, "--wait=false");
    }
    System.out.printf(
        "onboarding to pull over %d namespaces, p50 / p99: namespace created -> default"
            + " ServiceAccount %s; -> our Secret listed in it %s; -> Pod running %s%n",
        NAMESPACES, percentiles(account), percentiles(listed), percentiles(running));
  }

  @AfterAll
  static void cleanUp() {
    tearDown(List.of(CREDENTIAL), TEAMS);
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  /** p50 / p99 (nearest rank) in milliseconds. */
  private static String percentiles(double[] seconds) {
    double[] sorted = seconds.clone();
    Arrays.sort(sorted);
    List<String> out = new ArrayList<>();
    for (double p : new double[] {0.50, 0.99}) {
      int rank = (int) Math.ceil(p * sorted.length) - 1;
      out.add(String.format("%.0f", sorted[Math.max(rank, 0)] * 1000));
    }
    return String.join(" / ", out) + " ms";
  }
}
