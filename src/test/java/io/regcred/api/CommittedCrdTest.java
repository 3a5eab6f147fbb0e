package io.regcred.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The CRDs committed in crds/ are the ones the build generates from the Java types. */
class CommittedCrdTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "clusterregistrycredentials.regcred.io-v1.yml",
        "registrycredentials.regcred.io-v1.yml"
      })
  void committedCrdMatchesTheGeneratedOne(String file) throws Exception {
    String generated = Files.readString(Path.of("target/classes/META-INF/fabric8", file));
    String committed = Files.readString(Path.of("crds", file));
    assertThat(committed)
        .as("crds/%s is stale: run 'make crd' and commit the result", file)
        .isEqualTo(generated);
  }
}
