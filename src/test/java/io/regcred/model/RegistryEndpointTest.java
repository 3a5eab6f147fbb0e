package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RegistryEndpointTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "docker.io, registry-1.docker.io",
    "index.docker.io, registry-1.docker.io",
    "https://index.docker.io/v1/, registry-1.docker.io",
    "registry-1.docker.io, registry-1.docker.io",
    "quay.io, quay.io",
    "HTTP://Quay.IO/some/path, quay.io",
    "https://myreg.azurecr.io, myreg.azurecr.io",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com, 123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    "europe-docker.pkg.dev/my-project, europe-docker.pkg.dev",
    "127.0.0.1:5000, 127.0.0.1:5000",
    "'[::1]:5000', '[::1]:5000'",
    "localhost, localhost",
  })
  void theHandshakeGoesWhereADockerClientGoes(String server, String authority) {
    RegistryEndpoint endpoint = RegistryEndpoint.of(server).orElseThrow();

    assertThat(endpoint.authority()).isEqualTo(authority);
    assertThat(endpoint.v2()).isEqualTo(URI.create("https://" + authority + "/v2/"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "ftp://quay.io",
        "user:pw@quay.io",
        "https://user@quay.io/",
        "quay.io:0",
        "quay.io:99999",
        "quay io",
        "quay.io:port",
        "-bad.example",
        "quay.io#frag",
        "quay.io?q=1",
      })
  void keysNamingNoUsableHostHaveNoEndpoint(String server) {
    assertThat(RegistryEndpoint.of(server)).isEmpty();
  }
}
