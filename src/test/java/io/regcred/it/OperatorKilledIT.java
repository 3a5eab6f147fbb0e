package io.regcred.it;

import static io.regcred.it.Fixtures.namespace;
import static io.regcred.it.Fixtures.serviceAccount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.regcred.Labels;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.config.OperatorConfig.Setting;
import io.regcred.model.TokenState;
import io.regcred.provider.ecr.FakeAws;
import io.regcred.provider.ecr.FakeAws.Operation;
import io.regcred.testing.Credentials;
import io.regcred.testing.OperatorProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * R8: the operator process is killed with SIGKILL at random points, ten times, while it fans a
 * credential out to 200 namespaces, while it rotates the token (a spec change: another AWS
 * account), and while it renames the Secret. Once it is left running it converges: one Secret of
 * ours per namespace under the current name with the current token, the ServiceAccount's own entry
 * kept and ours there exactly once, nothing left under the old name, and no token fetched that was
 * not needed.
 *
 * <p>A fetch is needed once per source spec, and once more for each kill that lands after the fake
 * has sent a token and before the operator has stored it in its state Secret: that token is lost
 * with the process. It must be stored before any namespace gets it, so a kill during a fan-out
 * never loses it; after any such kill the restarted operator reuses the stored token. The rotation
 * is a spec change (another AWS account), which needs a new token at once and at a moment the test
 * chooses; a rotation by expiry would come at a time of the operator's choosing, which would make
 * the number of fetches needed depend on timing.
 *
 * <p>The operator runs as its own JVM from {@code target/classes} and {@code target/lib} (the
 * runtime dependencies {@code mvn package} copies, as the image ships them), so SIGKILL hits a real
 * process with no shutdown hook run. The kill points come from a seed that is printed; {@code
 * -Dregcred.r8.seed=...} replays them and {@code -Dregcred.r8.namespaces=...} changes the count.
 */
class OperatorKilledIT {

  static final String OPERATOR_NS = "regcred-r8";
  static final String CREDENTIAL = "r8";
  static final String NS_PREFIX = "r8-";
  static final String FOREIGN_ENTRY = "registry-elsewhere";
  static final String KEY_ID = "AKIDREGCREDR8000001";
  static final String SECRET_KEY = "sk-r8-" + System.nanoTime();
  static final Path LOG = Path.of("target", "operator-killed.log");
  static final ObjectMapper JSON = new ObjectMapper();

  /** What the credential asks for in one stage of the test, and how many kills land in it. */
  record Stage(
      String name, List<String> registryIds, String secretName, boolean needsFetch, int kills) {

    List<String> hosts() {
      return registryIds.stream().map(id -> id + ".dkr.ecr.eu-west-1.amazonaws.com").toList();
    }
  }

  static final List<Stage> STAGES =
      List.of(
          new Stage("fan-out", List.of("111111111111"), CREDENTIAL, true, 4),
          new Stage("rotation", List.of("111111111111", "222222222222"), CREDENTIAL, true, 3),
          new Stage("rename", List.of("111111111111", "222222222222"), "r8-pull", false, 3));

  final int count = Integer.getInteger("regcred.r8.namespaces", 200);
  final long seed = Long.getLong("regcred.r8.seed", System.nanoTime());
  final List<String> namespaces =
      IntStream.range(0, count).mapToObj(i -> String.format("%s%03d", NS_PREFIX, i)).toList();

  KubernetesClient client;
  FakeAws aws;
  Process operator;
  SharedIndexInformer<Secret> secretsSeen;
  SharedIndexInformer<ServiceAccount> accountsSeen;
  SharedIndexInformer<Secret> stateSeen;

  /** Every token the operator's state Secret has held. */
  final Set<String> storedTokens = ConcurrentHashMap.newKeySet();

  @Test
  void killedTenTimesItConvergesWithoutDuplicatesLossesOrExtraFetches() throws Exception {
    System.out.printf("kill -9: seed %d (replay with -Dregcred.r8.seed=%d)%n", seed, seed);
    Random random = new Random(seed);
    client = TestCluster.newAdminClient();
    aws = FakeAws.start("eu-west-1").allow(KEY_ID, SECRET_KEY).passwordPrefix("r8-pw-");
    try {
      long setUpStart = System.nanoTime();
      setUpNamespaces();
      System.out.printf(
          "kill -9: %d namespaces with a ServiceAccount set up in %.1f s%n",
          count, (System.nanoTime() - setUpStart) / 1e9);
      secretsSeen =
          client.secrets().inAnyNamespace().withLabel(Labels.CREDENTIAL, CREDENTIAL).inform();
      accountsSeen = client.serviceAccounts().inAnyNamespace().inform();
      stateSeen =
          client
              .secrets()
              .inNamespace(OPERATOR_NS)
              .withName(TokenState.secretName(CREDENTIAL))
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Secret state) {
                      storedTokens.add(password(state));
                    }

                    @Override
                    public void onUpdate(Secret before, Secret state) {
                      storedTokens.add(password(state));
                    }

                    @Override
                    public void onDelete(Secret state, boolean unknownFinalState) {}
                  });
      Files.deleteIfExists(LOG);
      operator = startOperator();

      int kills = 0;
      long lastKill = 0;
      Stage stage = null;
      Stage previous = null;
      for (Stage next : STAGES) {
        previous = stage;
        stage = next;
        for (int k = 0; k < stage.kills(); k++) {
          String where;
          if (k == 0 && stage.needsFetch()) {
            // Near the fetch: the operator stores the token tens to hundreds of milliseconds after
            // the fake sent it (measured here), so the kill lands on either side of that write.
            int delayMs = random.nextInt(500);
            Process victim = operator;
            var killed = new CompletableFuture<Void>();
            aws.afterNextToken(
                () -> {
                  sleep(delayMs);
                  victim.destroyForcibly();
                  killed.complete(null);
                });
            apply(stage);
            killed.get(60, TimeUnit.SECONDS);
            where = delayMs + " ms after the fake sent the token";
          } else {
            if (k == 0) {
              apply(stage);
            }
            where = awaitRandomProgress(stage, previous, random);
            operator.destroyForcibly();
          }
          assertThat(operator.waitFor(10, TimeUnit.SECONDS)).isTrue();
          lastKill = System.nanoTime();
          kills++;
          // What the API server had accepted from the dead process has landed by now (the
          // fetches needed are counted from the state Secret's history, so this is only for the
          // line below).
          Thread.sleep(300);
          boolean stored = stateHoldsNewestToken();
          long unstoredButWritten = stored ? 0 : namespacesHoldingNewestToken();
          System.out.printf(
              "kill -9 #%d (%s): %s; newest token stored: %s; fetches so far %d%n",
              kills, stage.name(), where, stored ? "yes" : "no", aws.calls(Operation.ECR));
          // Lost only if no namespace has it either: a token is stored before it is written
          // anywhere, or every kill during a fan-out would cost a refetch and a second rotation.
          assertThat(unstoredButWritten)
              .as("namespaces holding a token the operator had not stored when it was killed")
              .isZero();
          operator = startOperator();
        }
      }

      Stage last = stage;
      Stage before = previous;
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(250))
          .untilAsserted(() -> assertConverged(last, before));
      double convergedAfter = (System.nanoTime() - lastKill) / 1e9;
      // Settled: nothing more is fetched or written once it has converged.
      Thread.sleep(2000);
      assertConverged(last, before);
      // Lost: sent by the fake, never in the state Secret (whenever a kill let it land there).
      long lostTokens =
          aws.issuedPasswords().stream().filter(t -> !storedTokens.contains(t)).count();
      long fetchesNeeded = STAGES.stream().filter(Stage::needsFetch).count() + lostTokens;
      int fetches = aws.calls(Operation.ECR);
      System.out.printf(
          "kill -9: %d kills, converged in %.1f s after the last, fetches %d (expected %d: one"
              + " per source spec, %d for tokens lost with the process)%n",
          kills, convergedAfter, fetches, fetchesNeeded, lostTokens);
      assertThat(aws.rejections()).isEmpty();
      assertThat((long) fetches)
          .as("fetches: one per source spec plus one per token that died before it was stored")
          .isEqualTo(fetchesNeeded);
    } finally {
      cleanUp();
    }
  }

  // --- the operator process ---

  private Process startOperator() throws IOException {
    return OperatorProcess.start(
        TestCluster.kubeconfigFile(),
        Map.of(
            Setting.NAMESPACE.variable(),
            OPERATOR_NS,
            // As in a Deployment: the restarted container keeps its pod name, so it takes the
            // Lease it held at once.
            Setting.LEADER_ELECTION.variable(),
            "true",
            Setting.LEADER_IDENTITY.variable(),
            "regcred-r8-0",
            Setting.HTTP_PORT.variable(),
            "0",
            Setting.AWS_ECR_ENDPOINT.variable(),
            aws.uri().toString(),
            Setting.AWS_STS_ENDPOINT.variable(),
            aws.uri().toString()),
        LOG);
  }

  // --- kill points ---

  /**
   * Waits until the operator has done a random share of what is left of this stage (each namespace
   * counts once for its new Secret and ServiceAccount entry, and on a rename once more for the old
   * ones gone), and says where that was.
   */
  private String awaitRandomProgress(Stage stage, Stage previous, Random random) {
    int units = stage.secretName().equals(CREDENTIAL) ? count : 2 * count;
    int done = progress(stage, previous);
    if (done >= units - 1) {
      int delayMs = random.nextInt(2000);
      sleep(delayMs);
      return "all done, " + delayMs + " ms after the restart";
    }
    int target = done + 1 + random.nextInt(units - 1 - done);
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> progress(stage, previous) >= target);
    } catch (ConditionTimeoutException e) {
      // Stuck: say what is wrong where, if the end state shows it.
      assertConverged(stage, previous);
      throw new AssertionError(
          "the operator stopped at " + progress(stage, previous) + " of " + units + " steps", e);
    }
    return "at " + target + " of " + units + " steps";
  }

  /** What a written Secret holds. */
  record Written(String password, Set<String> hosts) {}

  /** Written Secrets decoded so far, by UID and resourceVersion: progress is polled often. */
  final Map<String, Written> decoded = new ConcurrentHashMap<>();

  /** Steps of the stage done, as the test's informers see them. */
  private int progress(Stage stage, Stage previous) {
    List<String> issued = aws.issuedPasswords();
    String newest = issued.isEmpty() ? null : issued.get(issued.size() - 1);
    Map<String, Written> current = new HashMap<>();
    Set<String> oldSecrets = new TreeSet<>();
    for (Secret s : secretsSeen.getStore().list()) {
      if (s.getMetadata().getName().equals(stage.secretName())) {
        current.put(
            s.getMetadata().getNamespace(),
            decoded.computeIfAbsent(
                s.getMetadata().getUid() + "/" + s.getMetadata().getResourceVersion(),
                k -> new Written(password(s), hosts(s))));
      } else {
        oldSecrets.add(s.getMetadata().getNamespace());
      }
    }
    boolean rename = previous != null && !previous.secretName().equals(stage.secretName());
    int done = 0;
    for (ServiceAccount sa : accountsSeen.getStore().list()) {
      String ns = sa.getMetadata().getNamespace();
      if (!ns.startsWith(NS_PREFIX) || !"default".equals(sa.getMetadata().getName())) {
        continue;
      }
      List<String> entries = entries(sa);
      Written secret = current.get(ns);
      if (secret != null
          && newest != null
          && newest.equals(secret.password())
          && secret.hosts().equals(Set.copyOf(stage.hosts()))
          && entries.contains(stage.secretName())) {
        done++;
      }
      if (rename && !oldSecrets.contains(ns) && !entries.contains(previous.secretName())) {
        done++;
      }
    }
    return done;
  }

  /** Whether the operator's state Secret holds the last token the fake sent. */
  private boolean stateHoldsNewestToken() {
    List<String> issued = aws.issuedPasswords();
    if (issued.isEmpty()) {
      return true; // nothing was fetched, so nothing can have been lost
    }
    Secret state =
        client.secrets().inNamespace(OPERATOR_NS).withName(TokenState.secretName(CREDENTIAL)).get();
    return state != null && issued.get(issued.size() - 1).equals(password(state));
  }

  private long namespacesHoldingNewestToken() {
    String newest = aws.lastIssuedPassword();
    return client
        .secrets()
        .inAnyNamespace()
        .withLabel(Labels.CREDENTIAL, CREDENTIAL)
        .list()
        .getItems()
        .stream()
        .filter(s -> newest.equals(password(s)))
        .count();
  }

  // --- what converged means ---

  private void assertConverged(Stage stage, Stage previous) {
    Secret state =
        client.secrets().inNamespace(OPERATOR_NS).withName(TokenState.secretName(CREDENTIAL)).get();
    assertThat(state).as("token state").isNotNull();
    String token = password(state);
    assertThat(token).as("the stored token is the newest").isEqualTo(aws.lastIssuedPassword());

    Map<String, List<Secret>> secrets = new HashMap<>();
    for (Secret s : client.secrets().inAnyNamespace().list().getItems()) {
      if (s.getMetadata().getNamespace().startsWith(NS_PREFIX)) {
        secrets.computeIfAbsent(s.getMetadata().getNamespace(), k -> new ArrayList<>()).add(s);
      }
    }
    Map<String, ServiceAccount> accounts = new HashMap<>();
    for (ServiceAccount sa : client.serviceAccounts().inAnyNamespace().list().getItems()) {
      if (sa.getMetadata().getNamespace().startsWith(NS_PREFIX)) {
        accounts.put(sa.getMetadata().getNamespace(), sa);
      }
    }
    for (String ns : namespaces) {
      List<Secret> here = secrets.getOrDefault(ns, List.of());
      assertThat(here)
          .as("Secrets in %s: ours once, under the current name, none under an old one", ns)
          .extracting(s -> s.getMetadata().getName())
          .containsExactly(stage.secretName());
      Secret secret = here.get(0);
      assertThat(secret.getMetadata().getLabels()).containsEntry(Labels.CREDENTIAL, CREDENTIAL);
      assertThat(password(secret)).as("token in %s", ns).isEqualTo(token);
      assertThat(hosts(secret)).as("registries in %s", ns).isEqualTo(Set.copyOf(stage.hosts()));
      assertThat(entries(accounts.get(ns)))
          .as("imagePullSecrets of %s/default: theirs kept, ours exactly once", ns)
          .containsExactlyInAnyOrder(FOREIGN_ENTRY, stage.secretName());
    }
    assertThat(CredentialChecks.ready(client, CREDENTIAL, count))
        .as("status: Ready, %d namespaces synced", count)
        .isTrue();
  }

  // --- reading what was written ---

  private static String password(Secret secret) {
    JsonNode auths = dockerConfig(secret).get("auths");
    return auths.elements().next().get("password").asText();
  }

  private static Set<String> hosts(Secret secret) {
    Set<String> hosts = new TreeSet<>();
    dockerConfig(secret).get("auths").fieldNames().forEachRemaining(hosts::add);
    return hosts;
  }

  private static JsonNode dockerConfig(Secret secret) {
    try {
      return JSON.readTree(Base64.getDecoder().decode(secret.getData().get(".dockerconfigjson")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> entries(ServiceAccount sa) {
    return sa == null || sa.getImagePullSecrets() == null
        ? List.of()
        : sa.getImagePullSecrets().stream().map(LocalObjectReference::getName).toList();
  }

  // --- set-up and clean-up ---

  private void setUpNamespaces() throws Exception {
    namespace(client, OPERATOR_NS, Map.of());
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("aws-keys")
                .withNamespace(OPERATOR_NS)
                .endMetadata()
                .withStringData(
                    Map.of("AWS_ACCESS_KEY_ID", KEY_ID, "AWS_SECRET_ACCESS_KEY", SECRET_KEY))
                .build())
        .serverSideApply();
    Fixtures.inParallel(
        4,
        namespaces,
        ns -> {
          namespace(client, ns, Map.of("regcred-r8", "fan-out"));
          serviceAccount(client, ns, "default", FOREIGN_ENTRY);
        });
  }

  private void apply(Stage stage) {
    client
        .resource(
            Credentials.named(CREDENTIAL)
                .ecr(
                    Credentials.ecrSource(
                        "eu-west-1", "aws-keys", stage.registryIds().toArray(String[]::new)))
                .secretName(stage.secretName())
                .selector(Map.of("regcred-r8", "fan-out"))
                .build())
        .serverSideApply();
  }

  /**
   * Everything cluster-scoped goes, so later tests' operators see none of it: the credential (with
   * an operator running to release its finalizer), then the namespaces. The test API server has no
   * namespace controller, so their contents are deleted here and the namespaces finalized.
   */
  private void cleanUp() throws Exception {
    long start = System.nanoTime();
    try {
      Stream.of(secretsSeen, accountsSeen, stateSeen)
          .filter(Objects::nonNull)
          .forEach(SharedIndexInformer::close);
      if (client.resources(ClusterRegistryCredential.class).withName(CREDENTIAL).get() != null) {
        if (operator == null || !operator.isAlive()) {
          operator = startOperator();
        }
        try {
          CredentialChecks.deleteAndWait(client, CREDENTIAL, Duration.ofSeconds(90));
        } finally {
          // An operator that cannot clean up must not leave the credential to later tests.
          var left = client.resources(ClusterRegistryCredential.class).withName(CREDENTIAL).get();
          if (left != null) {
            left.getMetadata().setFinalizers(List.of());
            client.resource(left).update();
          }
        }
      }
    } finally {
      if (operator != null) {
        operator.destroy();
        if (!operator.waitFor(20, TimeUnit.SECONDS)) {
          operator.destroyForcibly();
        }
      }
      aws.close();
      List<String> all = new ArrayList<>(namespaces);
      all.add(OPERATOR_NS);
      Fixtures.inParallel(4, all, ns -> Fixtures.removeNamespace(client, ns));
      client.close();
      System.out.printf(
          "kill -9: credential and namespaces cleaned up in %.1f s%n",
          (System.nanoTime() - start) / 1e9);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
