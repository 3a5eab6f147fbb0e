package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.regcred.model.PullKeyring.Match;
import io.regcred.model.PullKeyring.PullSecret;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The kubelet's keyring over a Pod's pull Secrets ({@code BasicDockerKeyring} of Kubernetes 1.34):
 * every row was checked against that Go code.
 */
class PullKeyringTest {

  private static ImageReference image(String image) {
    return ImageReference.parse(image).orElseThrow();
  }

  private static PullSecret<String> secret(String owner, String... keys) {
    return new PullSecret<>(owner, List.of(keys));
  }

  @SafeVarargs
  private static PullKeyring<String> keyring(PullSecret<String>... secrets) {
    return PullKeyring.of(List.of(secrets));
  }

  @ParameterizedTest(name = "{0} covers {1}: {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          # key                                   | image                                 | covered
          127.0.0.1:5000                          | 127.0.0.1:5000/team/app:1             | true
          https://127.0.0.1:5000                  | 127.0.0.1:5000/team/app:1             | true
          http://127.0.0.1:5000                   | 127.0.0.1:5000/team/app:1             | true
          https://127.0.0.1:5000/                 | 127.0.0.1:5000/team/app:1             | true
          https://127.0.0.1:5000/v1/              | 127.0.0.1:5000/team/app:1             | true
          https://127.0.0.1:5000/v2/              | 127.0.0.1:5000/team/app:1             | true
          127.0.0.1:5000/team                     | 127.0.0.1:5000/team/app:1             | true
          127.0.0.1:5000/v2/team                  | 127.0.0.1:5000/team/app:1             | true
          127.0.0.1:5000/team/app                 | 127.0.0.1:5000/team/app:1             | true
          127.0.0.1:5000/te                       | 127.0.0.1:5000/team/app:1             | true
          127.0.0.1:5000/%74eam                   | 127.0.0.1:5000/team/app:1             | true
          robot@127.0.0.1:5000                    | 127.0.0.1:5000/team/app:1             | true
          127.0.0.1:5000?x=1                      | 127.0.0.1:5000/team/app:1             | true
          127.0.0.1:5000#x                        | 127.0.0.1:5000/team/app:1             | true
          127.0.0.1:5000                          | 127.0.0.1:5000/team/app@sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa | true
          127.0.0.1:5000/other                    | 127.0.0.1:5000/team/app:1             | false
          127.0.0.1:5000/team/app/x               | 127.0.0.1:5000/team/app:1             | false
          127.0.0.1:5000/v1                       | 127.0.0.1:5000/team/app:1             | false
          127.0.0.1:5000/Team                     | 127.0.0.1:5000/team/app:1             | false
          127.0.0.1:5001                          | 127.0.0.1:5000/team/app:1             | false
          127.0.0.1                               | 127.0.0.1:5000/team/app:1             | false
          127.0.0.1:05000                         | 127.0.0.1:5000/team/app:1             | false
          localhost:5000                          | 127.0.0.1:5000/team/app:1             | false
          HTTPS://127.0.0.1:5000                  | 127.0.0.1:5000/team/app:1             | false
          ftp://127.0.0.1:5000                    | 127.0.0.1:5000/team/app:1             | false
          127.0.0.1:5000/%zz                      | 127.0.0.1:5000/team/app:1             | false
          127.0.0.1:5000#%zz                      | 127.0.0.1:5000/team/app:1             | false
          127.0.0.%31:5000                        | 127.0.0.1:5000/team/app:1             | false
          127.0.0.*:5000                          | 127.0.0.1:5000/team/app:1             | true
          *.0.0.1:5000                            | 127.0.0.1:5000/team/app:1             | true
          *.*.*.*:5000                            | 127.0.0.1:5000/team/app:1             | true
          1*7.0.0.1:5000                          | 127.0.0.1:5000/team/app:1             | true
          *:5000                                  | 127.0.0.1:5000/team/app:1             | false
          *.*.*:5000                              | 127.0.0.1:5000/team/app:1             | false
          *:5000                                  | localhost:5000/team/app:1             | true
          LOCALHOST:5000                          | localhost:5000/team/app:1             | false
          [::1]:5000                              | [::1]:5000/team/app                   | true
          [::1]                                   | [::1]/team/app                        | false
          [1:2:3]:5000                            | [1:2:3]:5000/team/app                 | false
          *.dkr.ecr.*.amazonaws.com               | 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app | true
          *.dkr.ecr.*.amazonaws.com               | 123456789012.dkr.ecr.eu-west-1.amazonaws.com.cn/app | false
          *.dkr.ecr.*.amazonaws.com               | dkr.ecr.eu-west-1.amazonaws.com/app   | false
          *.azurecr.io                            | team.azurecr.io/app                   | true
          *.azurecr.io                            | azurecr.io/app                        | false
          *-docker.pkg.dev                        | europe-docker.pkg.dev/p/r/app         | true
          Quay.io                                 | quay.io/org/app                       | false
          quay.io                                 | quay.io/org/app                       | true
          quay.io:443                             | quay.io/org/app                       | false
          """)
  void coversAsTheKubelet(String key, String image, boolean covered) {
    assertThat(PullKeyring.covers(List.of(key), image(image))).isEqualTo(covered);
  }

  /**
   * Go's URL parser refuses a control character before the fragment, and the kubelet then ignores
   * the key; in the fragment it goes unread.
   */
  @Test
  void ignoresKeysWithControlCharactersOutsideTheFragment() {
    ImageReference image = image("127.0.0.1:5000/team/app:1");
    assertThat(PullKeyring.covers(List.of("127.0.0.1:5000?\t"), image)).isFalse();
    assertThat(PullKeyring.covers(List.of("127.0.0.1:5000/te\tam"), image)).isFalse();
    assertThat(PullKeyring.covers(List.of("127.0.0.1:5000#\t"), image)).isTrue();
  }

  /**
   * Docker Hub images are named {@code docker.io/...}: a key {@code docker.io} matches them, {@code
   * index.docker.io} (also written {@code https://index.docker.io/v1/}, what {@code docker login}
   * writes) is the fallback, and {@code registry-1.docker.io}, Docker Hub's real host, never
   * matches.
   */
  @ParameterizedTest(name = "{0} covers {1}: {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          # key                                   | image                                 | covered
          docker.io                               | nginx                                 | true
          https://docker.io                       | nginx                                 | true
          index.docker.io                         | nginx                                 | true
          https://index.docker.io/v1/             | nginx                                 | true
          https://index.docker.io/v2/             | nginx                                 | true
          index.docker.io                         | user/app                              | true
          index.docker.io                         | index.docker.io/user/app              | true
          docker.io/library                       | nginx                                 | true
          docker.io/lib                           | nginx                                 | true
          docker.io/other                         | nginx                                 | false
          docker.io                               | user/app                              | true
          docker.io/user                          | user/app                              | true
          *.io                                    | nginx                                 | true
          registry-1.docker.io                    | nginx                                 | false
          https://registry-1.docker.io/v2/        | nginx                                 | false
          registry-1.docker.io                    | registry-1.docker.io/library/nginx    | true
          index.docker.io                         | registry-1.docker.io/library/nginx    | false
          index.docker.io/library                 | nginx                                 | false
          index.docker.io:443                     | nginx                                 | false
          *.docker.io                             | nginx                                 | false
          hub.docker.com                          | nginx                                 | false
          index.docker.io                         | quay.io/org/app                       | false
          index.docker.io                         | localhost:5000/app                    | false
          """)
  void readsDockerHubAsTheKubelet(String key, String image, boolean covered) {
    assertThat(PullKeyring.covers(List.of(key), image(image))).isEqualTo(covered);
  }

  /**
   * The kubelet counts any first component without a dot or a colon as Docker Hub's for its
   * fallback, although the runtime pulls such images from that host.
   */
  @Test
  void givesDockerHubsCredentialToHostsWithoutDotOrColon() {
    assertThat(PullKeyring.covers(List.of("index.docker.io"), image("localhost/app"))).isTrue();
    assertThat(PullKeyring.covers(List.of("index.docker.io"), image("Registry/app"))).isTrue();
    assertThat(PullKeyring.covers(List.of("index.docker.io"), image("localhost:5000/app")))
        .isFalse();
  }

  @Test
  void triesMoreSpecificKeysFirstThenSecretsInTheirOrder() {
    PullKeyring<String> keyring =
        keyring(
            secret("hub", "quay.io"),
            secret("glob", "*.io"),
            secret("team", "quay.io/team"),
            secret("team-app", "quay.io/team/app"),
            secret("hub-again", "https://quay.io/v1/"),
            secret("elsewhere", "gcr.io"));

    assertThat(keyring.matches(image("quay.io/team/app:1")))
        .containsExactly(
            new Match<>("team-app", "quay.io/team/app"),
            new Match<>("team", "quay.io/team"),
            new Match<>("hub", "quay.io"),
            new Match<>("hub-again", "https://quay.io/v1/"),
            new Match<>("glob", "*.io"));
    assertThat(keyring.lookup(image("quay.io/other/app")))
        .containsExactly("hub", "hub-again", "glob");
    assertThat(keyring.lookup(image("registry.example/app"))).isEmpty();
  }

  @Test
  void usesDockerHubsFallbackOnlyWhenNoKeyMatches() {
    PullSecret<String> fallback = secret("index", "https://index.docker.io/v1/");
    assertThat(keyring(fallback, secret("hub", "docker.io")).lookup(image("nginx")))
        .containsExactly("hub");
    assertThat(keyring(fallback, secret("other", "docker.io/other")).lookup(image("nginx")))
        .containsExactly("index");
    assertThat(keyring(fallback, secret("index-too", "index.docker.io")).matches(image("user/app")))
        .containsExactly(
            new Match<>("index", "https://index.docker.io/v1/"),
            new Match<>("index-too", "index.docker.io"));
  }

  @Test
  void namesEachSecretOnceInLookupAndEachKeyInMatches() {
    PullKeyring<String> keyring =
        keyring(secret("a", "quay.io", "quay.io/team", "quay.io"), secret("b", "quay.io"));

    assertThat(keyring.lookup(image("quay.io/team/app"))).containsExactly("a", "b");
    assertThat(keyring.matches(image("quay.io/team/app")))
        .containsExactly(
            new Match<>("a", "quay.io/team"),
            new Match<>("a", "quay.io"),
            new Match<>("b", "quay.io"));
  }

  @Test
  void ignoresWhatIsMissing() {
    List<PullSecret<String>> secrets = new ArrayList<>();
    secrets.add(null);
    secrets.add(new PullSecret<>("no keys", null));
    secrets.add(new PullSecret<>("null key", Arrays.asList(null, "quay.io")));
    PullKeyring<String> keyring = PullKeyring.of(secrets);

    assertThat(keyring.lookup(image("quay.io/app"))).containsExactly("null key");
    assertThat(keyring.matches(null)).isEmpty();
    assertThat(PullKeyring.of(null).lookup(image("quay.io/app"))).isEmpty();
    assertThat(PullKeyring.covers(null, image("quay.io/app"))).isFalse();
    assertThat(PullKeyring.covers(List.of(), image("quay.io/app"))).isFalse();
  }

  @Test
  void hostileKeysCostTheirLength() {
    String stars = "*a".repeat(250_000) + "*b.io";
    String longPath = "quay.io/" + "a".repeat(1_000_000);
    String escapes = "%zz".repeat(300_000);
    String controls = "quay.io/\u0000" + "\u0001".repeat(1_000_000);
    String brackets = "[".repeat(1_000_000);
    String colons = "quay.io" + ":".repeat(1_000_000);
    String surrogates = "\uD800".repeat(1_000_000);
    long start = System.nanoTime();
    PullKeyring<String> keyring =
        keyring(
            secret("hostile", stars, longPath, escapes, controls, brackets, colons, surrogates),
            secret("fine", "quay.io"));
    assertThat(keyring.lookup(image("quay.io/" + "a".repeat(200)))).containsExactly("fine");
    assertThat(keyring.lookup(image("aaaaaaaaaaaaaaaaaaaaaaab.io/app"))).isEmpty();
    System.out.printf(
        "pull keyring: 8 MB of hostile keys read and looked up twice in %.1f ms%n",
        (System.nanoTime() - start) / 1e6);
  }
}
