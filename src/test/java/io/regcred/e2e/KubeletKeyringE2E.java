package io.regcred.e2e;

import static io.regcred.it.Fixtures.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.regcred.model.DockerConfigJson;
import io.regcred.model.ImageReference;
import io.regcred.model.PullKeyring;
import io.regcred.model.RegistryAuth;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link PullKeyring} held against the kubelet itself. Each row is a pull Secret with one key, in a
 * form people write, holding the registry's real password, and a Pod naming that Secret and pulling
 * the node's image by one of its names. The Pod runs exactly when the keyring says the key covers
 * the image; otherwise the kubelet pulls without credentials and the registry answers 401. The Pods
 * pull {@code Always}, all rows at once.
 */
class KubeletKeyringE2E extends OnTheNode {

  static final String NAMESPACE = "e2e-keyring";

  /** The kubelet's Event when it could not read a Pod's pull Secret before pulling. */
  static final String SECRET_NOT_READ = "FailedToRetrieveImagePullSecret";

  /** A key, an image, and whether the Secret holds the registry's password. */
  record Row(String key, String image, boolean rightPassword) {

    Row(String key, String image) {
      this(key, image, true);
    }

    boolean covered() {
      return PullKeyring.covers(List.of(key), ImageReference.parse(image).orElseThrow());
    }
  }

  @BeforeAll
  static void createNamespace() {
    connect();
    namespace(admin, NAMESPACE, Map.of());
  }

  @Test
  void theKubeletUsesASecretExactlyWhenTheKeyringSaysItsKeyCoversTheImage() {
    String registry = node.registry(); // 127.0.0.1:<port>
    String port = registry.substring(registry.lastIndexOf(':') + 1);
    String image = node.image(); // <registry>/<repository>:<tag>
    String repository = image.substring(registry.length() + 1, image.lastIndexOf(':'));
    String tag = image.substring(image.lastIndexOf(':') + 1);
    String digest = digestOf(image);
    String byDigest = registry + "/" + repository + "@" + digest;
    String byTagAndDigest = image + "@" + digest;
    String localhost = "localhost:" + port;
    String byLocalhost = localhost + "/" + repository + ":" + tag;
    String firstSegment = repository.substring(0, repository.indexOf('/'));

    List<Row> rows =
        List.of(
            new Row(registry, image),
            new Row("https://" + registry, image),
            new Row("http://" + registry, image),
            new Row("https://" + registry + "/v1/", image),
            new Row("https://" + registry + "/v2/", image),
            new Row(registry + "/" + firstSegment, image),
            new Row(registry + "/v2/" + firstSegment, image),
            new Row(registry + "/" + firstSegment.substring(0, 3), image),
            new Row(registry + "/" + repository, image),
            new Row(registry + "/other", image),
            new Row(registry + "/v1", image),
            new Row("robot@" + registry, image),
            new Row("127.0.0.1:" + (Integer.parseInt(port) + 1), image),
            new Row("127.0.0.1", image),
            new Row("127.0.0.*:" + port, image),
            new Row("*.0.0.1:" + port, image),
            new Row("*.*.*.*:" + port, image),
            new Row("*:" + port, image),
            new Row(registry, byDigest),
            new Row(registry + "/" + firstSegment, byTagAndDigest),
            new Row(registry + "/other", byDigest),
            new Row(localhost, byLocalhost),
            new Row("*:" + port, byLocalhost),
            new Row(registry, byLocalhost),
            new Row(localhost, image),
            new Row("LOCALHOST:" + port, byLocalhost),
            new Row("localhost", byLocalhost),
            // The control: a covering key with a wrong password is refused, so a Pod that runs
            // ran with its Secret.
            new Row(registry, image, false));

    long start = System.nanoTime();
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      String password = row.rightPassword() ? node.registryPassword() : "wrong-password";
      admin
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName(secretOf(i))
                  .withNamespace(NAMESPACE)
                  .endMetadata()
                  .withType(DockerConfigJson.SECRET_TYPE)
                  .withStringData(
                      Map.of(
                          DockerConfigJson.KEY,
                          DockerConfigJson.render(
                              List.of(new RegistryAuth(row.key(), node.registryUser(), password)))))
                  .build())
          .create();
      pods.createPulling(NAMESPACE, podOf(i), row.image(), secretOf(i));
    }

    Map<String, Boolean> ran = new HashMap<>();
    Set<String> retried = new HashSet<>();
    await("each Pod running or refused with 401")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              ran.putAll(outcomes(retried));
              return ran.size() == rows.size();
            });
    double seconds = (System.nanoTime() - start) / 1e9;

    List<String> table = new ArrayList<>();
    List<String> disagreements = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      boolean expected = row.covered() && row.rightPassword();
      boolean actual = ran.get(podOf(i));
      String line =
          String.format(
              "%-32s %-58s keyring: %-11s kubelet: %s",
              row.key() + (row.rightPassword() ? "" : " (wrong password)"),
              row.image(),
              row.covered() ? "covers" : "not covered",
              actual ? "ran" : "401");
      table.add(line);
      if (expected != actual) {
        disagreements.add(line);
      }
    }
    System.out.printf(
        "kubelet keyring: %d rows on the real node in %.1f s (%d Pods pulled again: the kubelet"
            + " had not read their Secret yet)%n  %s%n",
        rows.size(), seconds, retried.size(), String.join("\n  ", table));
    assertThat(disagreements).as("rows where the kubelet disagrees with PullKeyring").isEmpty();
    assertThat(rows).as("rows of both outcomes").anyMatch(Row::covered);
    assertThat(rows).anyMatch(r -> !r.covered());
  }

  /**
   * Pod name to whether it ran, for each Pod that ran or whose pull the registry refused with the
   * Secret in hand. A kubelet that has only just been given a Pod may not have read its pull Secret
   * yet ({@code FailedToRetrieveImagePullSecret}) and pull without it; a 401 counts only once it
   * comes after the last such failure (the kubelet retries after a back-off of 10 s).
   */
  private static Map<String, Boolean> outcomes(Set<String> secretNotRead) {
    Map<String, Instant> refused = new HashMap<>();
    Map<String, Instant> secretMissing = new HashMap<>();
    for (Event e : admin.v1().events().inNamespace(NAMESPACE).list().getItems()) {
      String pod = e.getInvolvedObject().getName();
      if (SECRET_NOT_READ.equals(e.getReason())) {
        secretMissing.merge(pod, lastSeen(e), (a, b) -> a.isAfter(b) ? a : b);
      } else if (e.getMessage() != null && e.getMessage().contains("401 Unauthorized")) {
        refused.merge(pod, lastSeen(e), (a, b) -> a.isAfter(b) ? a : b);
      }
    }
    Map<String, Boolean> outcomes = new HashMap<>();
    refused.forEach(
        (pod, at) -> {
          Instant missing = secretMissing.get(pod);
          if (missing == null || at.isAfter(missing)) {
            outcomes.put(pod, false);
          }
        });
    for (Pod p : admin.pods().inNamespace(NAMESPACE).list().getItems()) {
      if (p.getStatus() != null && "Running".equals(p.getStatus().getPhase())) {
        outcomes.put(p.getMetadata().getName(), true);
      }
    }
    secretNotRead.addAll(secretMissing.keySet());
    return outcomes;
  }

  private static Instant lastSeen(Event e) {
    String at = e.getLastTimestamp() != null ? e.getLastTimestamp() : e.getFirstTimestamp();
    return at != null ? Instant.parse(at) : Instant.parse(e.getEventTime().getTime());
  }

  private static String secretOf(int row) {
    return "key-" + row;
  }

  private static String podOf(int row) {
    return "row-" + row;
  }

  /** The digest the registry serves the image under, read with skopeo. */
  private static String digestOf(String image) {
    try {
      Path dir = Files.createTempDirectory("regcred-keyring");
      Path certs = Files.createDirectory(dir.resolve("certs"));
      Path auth = dir.resolve("auth.json");
      try {
        Files.copy(node.registryCa(), certs.resolve("ca.crt"));
        Files.writeString(auth, node.dockerConfigJson());
        return Command.run(
                List.of(
                    "skopeo",
                    "inspect",
                    "--cert-dir",
                    certs.toString(),
                    "--authfile",
                    auth.toString(),
                    "--format",
                    "{{.Digest}}",
                    "docker://" + image),
                Duration.ofSeconds(60))
            .strip();
      } finally {
        for (Path p : List.of(certs.resolve("ca.crt"), certs, auth, dir)) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @AfterAll
  static void deleteNamespace() {
    if (node != null) {
      node.kubectl("delete", "namespace", NAMESPACE, "--ignore-not-found", "--timeout=120s");
    }
  }
}
