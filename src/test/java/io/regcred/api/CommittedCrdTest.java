package io.regcred.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The CRD committed in crds/ is the one the build generates from the Java types. */
class CommittedCrdTest {

  static final String FILE = "clusterregistrycredentials.regcred.io-v1.yml";

  @Test
  void committedCrdMatchesTheGeneratedOne() throws Exception {
    String generated = Files.readString(Path.of("target/classes/META-INF/fabric8", FILE));
    String committed = Files.readString(Path.of("crds", FILE));
    assertThat(committed)
        .as("crds/%s is stale: run 'make crd' and commit the result", FILE)
        .isEqualTo(generated);
  }
}
