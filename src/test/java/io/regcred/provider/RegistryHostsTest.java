package io.regcred.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.regcred.api.v1alpha1.AcrSource.AzureCloud;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RegistryHostsTest {

  private static final Set<String> ALLOWED = Set.of("acr-proxy.example.com:8443", "127.0.0.1:4443");

  @ParameterizedTest(name = "{0} in {1}: {2}")
  @CsvSource(
      nullValues = "null",
      value = {
        "myregistry.azurecr.io,           null,              true",
        "myregistry.azurecr.io,           AzurePublic,       true",
        "myregistry.azurecr.io:443,       AzurePublic,       true",
        "myregistry-abc123.azurecr.io,    AzurePublic,       true",
        "myregistry.azurecr.cn,           AzureChina,        true",
        "myregistry.azurecr.us,           AzureUSGovernment, true",
        "acr-proxy.example.com:8443,      AzurePublic,       true",
        "127.0.0.1:4443,                  AzureChina,        true",
        "myregistry.azurecr.cn,           AzurePublic,       false",
        "myregistry.azurecr.io,           AzureChina,        false",
        "myregistry.azurecr.io,           AzureUSGovernment, false",
        "myregistry.azurecr.io:8443,      AzurePublic,       false",
        "myregistry.azurecr.io:80,        AzurePublic,       false",
        "azurecr.io,                      AzurePublic,       false",
        ".azurecr.io,                     AzurePublic,       false",
        "a.b.azurecr.io,                  AzurePublic,       false",
        "myregistry.azurecr.io.evil.com,  AzurePublic,       false",
        "myregistryazurecr.io,            AzurePublic,       false",
        "MyRegistry.azurecr.io,           AzurePublic,       false",
        "acr-proxy.example.com,           AzurePublic,       false",
        "acr-proxy.example.com:443,       AzurePublic,       false",
        "127.0.0.1:4444,                  AzurePublic,       false",
        "x@myregistry.azurecr.io,         AzurePublic,       false",
        "myregistry.azurecr.io/path,      AzurePublic,       false",
        "https://myregistry.azurecr.io,   AzurePublic,       false",
        "null,                            AzurePublic,       false"
      })
  void acrServers(String server, AzureCloud cloud, boolean accepted) {
    assertThat(RegistryHosts.acrServerProblem(server, cloud, ALLOWED).isEmpty())
        .isEqualTo(accepted);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "gcr.io",
        "us.gcr.io",
        "eu.gcr.io",
        "asia.gcr.io",
        "marketplace.gcr.io",
        "europe-docker.pkg.dev",
        "us-docker.pkg.dev",
        "europe-west1-docker.pkg.dev",
        "us-central1-docker.pkg.dev"
      })
  void googleRegistries(String server) {
    assertThat(RegistryHosts.garServersProblem(List.of(server))).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "registry.example.com",
        "gcr.io.example.com",
        "a.b.gcr.io",
        "gcr.io:443",
        "docker.pkg.dev",
        "-docker.pkg.dev",
        "europe-maven.pkg.dev",
        "europe-docker.pkg.dev.example.com",
        "EUROPE-docker.pkg.dev",
        "https://gcr.io",
        "gcr.io/project",
        "127.0.0.1:5000",
        ""
      })
  void otherHostsAreNotGoogleRegistries(String server) {
    assertThat(RegistryHosts.garServersProblem(List.of("gcr.io", server)))
        .contains(
            "spec.source.gar.servers[1] must be gcr.io, <name>.gcr.io or <location>-docker.pkg.dev");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "quay.io",
        "registry.example.com:5000",
        "localhost:5000",
        "registry:5000",
        "127.0.0.1:5000",
        "[::1]:5000",
        "ghcr.io/team",
        "registry.example.com/team/app",
        "https://index.docker.io/v1/",
        "https://registry.example.com",
        "Registry.Example.com",
        "registry.example.com:65535"
      })
  void staticServers(String server) {
    assertThat(RegistryHosts.staticServerProblem(server)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "robot:pw@quay.io",
        "https://robot@quay.io",
        "http://quay.io",
        "ftp://quay.io",
        "docker://quay.io",
        "quay.io?x=1",
        "quay.io/#x",
        "quay.io /x",
        " quay.io",
        "quay.io\n",
        "quay.io\t",
        "quay.io:0",
        "quay.io:65536",
        "quay.io:99999",
        "quay.io:",
        "quay.io/../x",
        "quay.io//x",
        "-quay.io",
        "quay..io"
      })
  void otherStaticServersAreRefused(String server) {
    assertThat(RegistryHosts.staticServerProblem(server))
        .contains(
            "spec.source.static.server must be a registry host[:port] with an optional path,"
                + " optionally after https://, such as quay.io or https://index.docker.io/v1/");
  }
}
