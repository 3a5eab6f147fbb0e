package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Image names read as the kubelet reads them (its {@code parsers.ParseImageName} over {@code
 * github.com/distribution/reference}); every row was checked against that Go code.
 */
class ImageReferenceTest {

  private static final String SHA256 =
      "sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa";
  private static final String SHA384 = "sha384:" + "0123456789abcdef".repeat(6);
  private static final String SHA512 = "sha512:" + "0123456789abcdef".repeat(8);

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
          # image                                  | registry              | repository            | tag    | digest
          nginx                                    | docker.io             | library/nginx         | latest | -
          nginx:1.25                               | docker.io             | library/nginx         | 1.25   | -
          user/app                                 | docker.io             | user/app              | latest | -
          user/app:V1_x.y-z                        | docker.io             | user/app              | V1_x.y-z | -
          docker.io/nginx                          | docker.io             | library/nginx         | latest | -
          docker.io/user/app                       | docker.io             | user/app              | latest | -
          index.docker.io/nginx                    | docker.io             | library/nginx         | latest | -
          index.docker.io/user/app                 | docker.io             | user/app              | latest | -
          registry-1.docker.io/library/nginx       | registry-1.docker.io  | library/nginx         | latest | -
          docker.io                                | docker.io             | library/docker.io     | latest | -
          localhost                                | docker.io             | library/localhost     | latest | -
          nginx:5000                               | docker.io             | library/nginx         | 5000   | -
          localhost/app                            | localhost             | app                   | latest | -
          localhost:5000/team/app:v1               | localhost:5000        | team/app              | v1     | -
          127.0.0.1:15000/regcred/busybox:1        | 127.0.0.1:15000       | regcred/busybox       | 1      | -
          quay.io/org/app                          | quay.io               | org/app               | latest | -
          example.com/a/b/c:9                      | example.com           | a/b/c                 | 9      | -
          Registry/app                             | Registry              | app                   | latest | -
          a_b.com/app                              | a_b.com               | app                   | latest | -
          [::1]:5000/app                           | [::1]:5000            | app                   | latest | -
          team/a__b.c-d---e_f                      | docker.io             | team/a__b.c-d---e_f   | latest | -
          """)
  void normalisesAsTheKubelet(
      String image, String registry, String repository, String tag, String digest) {
    assertThat(ImageReference.parse(image))
        .contains(new ImageReference(registry, repository, tag, digest));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
          # image (digest appended)    | registry      | repository     | tag
          quay.io/org/app@             | quay.io       | org/app        | -
          quay.io/org/app:v1@          | quay.io       | org/app        | v1
          nginx@                       | docker.io     | library/nginx  | -
          """)
  void readsDigestsWithOrWithoutATag(String image, String registry, String repository, String tag) {
    for (String digest : new String[] {SHA256, SHA384, SHA512}) {
      assertThat(ImageReference.parse(image + digest))
          .as(image + digest)
          .contains(new ImageReference(registry, repository, tag, digest));
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          nginx                                 | docker.io/library/nginx
          index.docker.io/user/app:1            | docker.io/user/app
          127.0.0.1:15000/regcred/busybox:1     | 127.0.0.1:15000/regcred/busybox
          quay.io/org/app:v1@sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa | quay.io/org/app
          """)
  void looksUpByNameWithoutTagOrDigest(String image, String lookupName) {
    assertThat(ImageReference.parse(image).map(ImageReference::lookupName)).contains(lookupName);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(
      strings = {
        "",
        "Nginx",
        "user/App",
        "quay.io/Org/app",
        "nginx:",
        "nginx:-x",
        "nginx:a/b",
        "nginx:1:2",
        "nginx@",
        "nginx@sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5a",
        "nginx@sha256:7CC4B5AEFD1D0CADF8D97D4350462BA51C694EBCA145B08D7D41B41ACC8DB5AA",
        "nginx@SHA256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa",
        "nginx@md5:0123456789abcdef0123456789abcdef",
        "nginx@sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa@x",
        "a___b",
        "a-",
        "-a",
        "_a",
        "a..b",
        "a//b",
        "team/",
        "/team",
        "quay.io/",
        "quay.io:/app",
        "quay.io:x/app",
        "-quay.io/app",
        "[::1/app",
        "[]:5000/app",
        "[::1]x/app",
        "A_B/app",
        " nginx",
        "nginx ",
        "ngin\tx",
        "nginé",
        "7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa",
      })
  void refusesWhatTheKubeletCannotParse(String image) {
    assertThat(ImageReference.parse(image)).isEmpty();
  }

  @Test
  void limitsTagsTo128Characters() {
    assertThat(ImageReference.parse("nginx:" + "t".repeat(128))).isPresent();
    assertThat(ImageReference.parse("nginx:" + "t".repeat(129))).isEmpty();
  }

  @Test
  void limitsTheRepositoryPathTo255CharactersLibraryPrefixIncluded() {
    assertThat(ImageReference.parse("quay.io/" + "x".repeat(255))).isPresent();
    assertThat(ImageReference.parse("quay.io/" + "x".repeat(256))).isEmpty();
    // Official images are library/<name>: the name itself may have 247 characters.
    assertThat(ImageReference.parse("x".repeat(247)).map(ImageReference::repository))
        .contains("library/" + "x".repeat(247));
    assertThat(ImageReference.parse("x".repeat(248))).isEmpty();
  }

  @Test
  void readsNoMoreThanItsBound() {
    String host = "h".repeat(63) + ".";
    String longHost = host.repeat(17) + "io"; // a well-formed name, but no DNS name is this long
    assertThat(longHost.length() + "/app".length()).isGreaterThan(ImageReference.MAX_LENGTH);
    assertThat(ImageReference.parse(longHost + "/app")).isEmpty();
    assertThat(ImageReference.parse(host.repeat(4) + "io/app")).isPresent();
    assertThat(ImageReference.parse("a/".repeat(1_000_000) + "b")).isEmpty();
    assertThat(ImageReference.parse(null)).isEqualTo(Optional.empty());
  }

  @Test
  void printsTheNormalisedReference() {
    assertThat(ImageReference.parse("nginx").map(Object::toString))
        .contains("docker.io/library/nginx:latest");
    assertThat(ImageReference.parse("quay.io/org/app:v1@" + SHA256).map(Object::toString))
        .contains("quay.io/org/app:v1@" + SHA256);
  }
}
