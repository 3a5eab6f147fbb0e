package io.regcred.provider.ecr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AwsEndpointsTest {

  @Test
  void emptyByDefault() {
    assertThat(AwsEndpoints.fromEnv(Map.of())).isEqualTo(AwsEndpoints.none());
    assertThat(AwsEndpoints.fromEnv(Map.of("REGCRED_AWS_ECR_ENDPOINT", "  ")))
        .isEqualTo(AwsEndpoints.none());
  }

  @Test
  void readsEachOverride() {
    AwsEndpoints e =
        AwsEndpoints.fromEnv(
            Map.of(
                "REGCRED_AWS_ECR_ENDPOINT", "https://vpce-1.api.ecr.eu-west-1.vpce.amazonaws.com",
                "REGCRED_AWS_ECR_PUBLIC_ENDPOINT", "https://ecr-public.example:8443 ",
                "REGCRED_AWS_STS_ENDPOINT", "http://127.0.0.1:4566"));

    assertThat(e.ecr()).contains(URI.create("https://vpce-1.api.ecr.eu-west-1.vpce.amazonaws.com"));
    assertThat(e.ecrPublic()).contains(URI.create("https://ecr-public.example:8443"));
    assertThat(e.sts()).contains(URI.create("http://127.0.0.1:4566"));
  }

  @Test
  void rejectsWhatIsNotAnHttpUri() {
    for (String bad :
        new String[] {"api.ecr.example", "ftp://x.example", "https://", "http://a b"}) {
      assertThatThrownBy(() -> AwsEndpoints.fromEnv(Map.of("REGCRED_AWS_STS_ENDPOINT", bad)))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("REGCRED_AWS_STS_ENDPOINT ");
    }
    assertThat(AwsEndpoints.none().sts()).isEqualTo(Optional.empty());
  }
}
