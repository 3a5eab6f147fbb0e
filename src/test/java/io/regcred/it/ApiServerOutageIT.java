package io.regcred.it;

import static io.regcred.it.Fixtures.basicAuthSecret;
import static io.regcred.it.Fixtures.namespace;
import static io.regcred.it.Fixtures.serviceAccount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.impl.cache.Reflector;
import io.regcred.testing.Credentials;
import io.regcred.testing.Ports;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API server goes away under a running operator: it is killed and restarted, the operator's
 * connections are cut while others keep writing, and etcd's history is compacted past every
 * resourceVersion the operator has seen, so its watches come back with 410 Gone. Each time the
 * operator reports itself not ready while it cannot see the cluster, ready again once it can, and
 * whatever changed in the meantime (a new namespace, a new ServiceAccount, a deleted Secret, a new
 * password) is applied afterwards.
 *
 * <p>The control plane is the test's own ({@link ControlPlane}): killing the shared one would break
 * every other test. Its API server runs without a watch cache, so etcd serves the watches and a
 * compaction reaches them as 410 Gone (a real API server answers 410 from its cache when a watch's
 * resourceVersion has left it, or after a restart has emptied it: the operator's handling is the
 * same). The operator reaches the API server through a {@link TcpProxy} the test can cut; the
 * test's own client goes direct.
 */
class ApiServerOutageIT {

  static final String OPERATOR_NS = "regcred-outage";
  static final String SERVER = "registry.example.test:5000";
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();

  static ControlPlane plane;
  static TcpProxy proxy;
  static KubernetesClient admin;
  static RunningOperator operator;
  static int healthPort;

  @BeforeAll
  static void startControlPlaneAndOperator() throws Exception {
    plane = ControlPlane.start("--watch-cache=false");
    proxy = new TcpProxy(plane.apiServerPort());
    admin = plane.newAdminClient();
    namespace(admin, OPERATOR_NS, Map.of());
    healthPort = Ports.freeLoopbackPort();
    operator =
        RunningOperator.start(
            new KubernetesClientBuilder().withConfig(plane.configFor(proxy.port())).build(),
            RunningOperator.config(
                OPERATOR_NS,
                Map.of(
                    "REGCRED_LEADER_IDENTITY",
                    "outage",
                    "REGCRED_HTTP_PORT",
                    String.valueOf(healthPort))));
    awaitReadiness(200, Duration.ofSeconds(60));
  }

  /** A test that failed half-way leaves the next one an API server and a connection to it. */
  @AfterEach
  void restoreApiServerAndConnection() throws Exception {
    plane.startApiServer();
    proxy.start();
  }

  @AfterAll
  static void stopAll() throws Exception {
    if (operator != null) {
      operator.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (plane != null) {
      plane.close();
    }
  }

  @Test
  void ownControlPlaneListensOnLoopbackOnly() throws Exception {
    var listeners =
        Listener.heldBy(ProcessHandle.current()).stream()
            .filter(l -> List.of("etcd", "kube-apiserver").contains(l.process()))
            .toList();
    assertThat(listeners)
        .anyMatch(l -> l.port() == plane.apiServerPort())
        .noneMatch(Listener::reachableFromOtherMachines);
  }

  @Test
  void apiServerRestartTurnsReadinessOffAndOnAndTheOperatorCarriesOn() throws Exception {
    Tenants tenants = Tenants.synced("restart");

    long killedAt = System.nanoTime();
    plane.killApiServer();
    awaitReadiness(503, Duration.ofSeconds(30));
    System.out.printf("restart: not ready %d ms after the kill%n", msSince(killedAt));
    assertThat(status("/healthz")).as("alive all the same").isEqualTo(200);

    // Kept off the new API server until the test has changed things, so that they are certainly
    // made while the operator cannot see them.
    proxy.cut();
    plane.startApiServer();
    tenants.changeEverything();
    proxy.start();
    long backAt = System.nanoTime();
    awaitReadiness(200, Duration.ofSeconds(60));
    System.out.printf(
        "restart: ready again %d ms after the operator could reach it%n", msSince(backAt));
    tenants.awaitConverged();
  }

  @Test
  void changesMadeWhileTheOperatorIsCutOffAreAppliedWhenItIsBack() throws Exception {
    Tenants tenants = Tenants.synced("blind");

    proxy.cut();
    awaitReadiness(503, Duration.ofSeconds(30));
    tenants.changeEverything();
    proxy.start();
    long restoredAt = System.nanoTime();
    awaitReadiness(200, Duration.ofSeconds(60));
    System.out.printf("blind: ready again %d ms after the connection%n", msSince(restoredAt));
    tenants.awaitConverged();
  }

  @Test
  void watchesThatComeBackGoneRelistAndMissNothing() throws Exception {
    Tenants tenants = Tenants.synced("gone");

    try (LogCapture reflector = LogCapture.of(Reflector.class, Level.DEBUG)) {
      proxy.cut();
      awaitReadiness(503, Duration.ofSeconds(30));
      // Nothing the operator has seen is newer than this.
      long seenAtMost = plane.etcdRevision();
      tenants.changeEverything();
      long compacted = plane.compactEtcd();
      assertThat(compacted).isGreaterThan(seenAtMost);
      proxy.start();
      long restoredAt = System.nanoTime();
      awaitReadiness(200, Duration.ofSeconds(60));
      System.out.printf(
          "gone: ready again %d ms after the connection, history compacted to %d%n",
          msSince(restoredAt), compacted);
      tenants.awaitConverged();

      // Not vacuous: the watches the changes came through were refused as too old and relisted.
      String gone = "Watch restarting due to http gone for ";
      assertThat(
              reflector.lines().stream()
                  .filter(l -> l.contains(gone))
                  .map(l -> l.substring(l.indexOf(gone) + gone.length())))
          .contains(
              "v1/namespaces",
              "v1/serviceaccounts",
              "v1/secrets",
              "v1/namespaces/" + OPERATOR_NS + "/secrets");
    }
  }

  /**
   * One credential's world: a source Secret, two labelled namespaces (one with its ServiceAccount,
   * one still without), and later a third. {@link #changeEverything} changes what the operator must
   * follow; {@link #awaitConverged} checks it followed all of it.
   */
  record Tenants(String name, String source, String a, String b, String c) {

    static Tenants synced(String name) {
      var t = new Tenants(name, name + "-src", name + "-a", name + "-b", name + "-c");
      admin.resource(basicAuthSecret(OPERATOR_NS, t.source, "robot", name + "-pw1")).create();
      for (String ns : List.of(t.a, t.b)) {
        namespace(admin, ns, Map.of("pull", name));
      }
      serviceAccount(admin, t.a, "default");
      admin
          .resource(
              Credentials.named(name)
                  .staticSource(t.source, SERVER)
                  .selector(Map.of("pull", name))
                  .build())
          .create();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                assertThat(t.password(t.a)).isEqualTo(name + "-pw1");
                assertThat(t.password(t.b)).isEqualTo(name + "-pw1");
                assertThat(pullSecrets(t.a)).containsExactly(name);
              });
      return t;
    }

    /** A new labelled namespace, a new ServiceAccount, one of our Secrets gone, a new password. */
    void changeEverything() {
      namespace(admin, c, Map.of("pull", name));
      serviceAccount(admin, c, "default");
      serviceAccount(admin, b, "default");
      admin.secrets().inNamespace(a).withName(name).delete();
      admin.resource(basicAuthSecret(OPERATOR_NS, source, "robot", name + "-pw2")).update();
    }

    void awaitConverged() {
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                for (String ns : List.of(a, b, c)) {
                  assertThat(password(ns)).as("password in %s", ns).isEqualTo(name + "-pw2");
                  assertThat(pullSecrets(ns)).as("pull secrets in %s", ns).containsExactly(name);
                }
              });
    }

    private String password(String namespace) throws Exception {
      Secret secret = admin.secrets().inNamespace(namespace).withName(name).get();
      if (secret == null) {
        return null;
      }
      return JSON.readTree(CredentialChecks.dockerConfig(secret))
          .path("auths")
          .path(SERVER)
          .path("password")
          .asText();
    }

    private static List<String> pullSecrets(String namespace) {
      var sa = admin.serviceAccounts().inNamespace(namespace).withName("default").get();
      return sa == null
          ? List.of()
          : sa.getImagePullSecrets().stream().map(LocalObjectReference::getName).toList();
    }
  }

  private static void awaitReadiness(int expected, Duration atMost) {
    await("/readyz " + expected)
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> status("/readyz") == expected);
  }

  private static int status(String path) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private static long msSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }
}
