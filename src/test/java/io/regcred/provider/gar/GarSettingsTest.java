package io.regcred.provider.gar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GarSettingsTest {

  @Test
  void nothingIsAllowedByDefault() {
    assertThat(GarSettings.fromEnv(Map.of())).isEqualTo(GarSettings.none());
    assertThat(
            GarSettings.fromEnv(
                Map.of(
                    "REGCRED_GAR_ALLOWED_CREDENTIAL_URLS", " ",
                    "REGCRED_GAR_ALLOWED_CREDENTIAL_FILES", "")))
        .isEqualTo(GarSettings.none());
  }

  @Test
  void readsCommaSeparatedLists() {
    GarSettings settings =
        GarSettings.fromEnv(
            Map.of(
                "REGCRED_GAR_ALLOWED_CREDENTIAL_URLS",
                "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01,"
                    + " https://token.example/oidc ,",
                "REGCRED_GAR_ALLOWED_CREDENTIAL_FILES",
                "/var/run/secrets/tokens/gcp-token, /etc/workload/token"));

    assertThat(settings.allowedCredentialUrls())
        .containsExactly(
            "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01",
            "https://token.example/oidc");
    assertThat(settings.allowedCredentialFiles())
        .containsExactly(
            Path.of("/var/run/secrets/tokens/gcp-token"), Path.of("/etc/workload/token"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "relative/token",
        "/var/run/secrets/../token",
        "/var/run/./token",
        "/var/run//token",
        "/var/run/token/"
      })
  void filesMustBeAbsoluteAndNormalised(String value) {
    assertThatThrownBy(
            () -> GarSettings.fromEnv(Map.of("REGCRED_GAR_ALLOWED_CREDENTIAL_FILES", value)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("REGCRED_GAR_ALLOWED_CREDENTIAL_FILES must list absolute paths");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "file:///var/run/token",
        "/metadata/token",
        "https://user@token.example/",
        "https://token.example/#x",
        "ftp://token.example/"
      })
  void urlsMustBeHttpWithoutUserInfoOrFragment(String value) {
    assertThatThrownBy(
            () -> GarSettings.fromEnv(Map.of("REGCRED_GAR_ALLOWED_CREDENTIAL_URLS", value)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("REGCRED_GAR_ALLOWED_CREDENTIAL_URLS must list absolute http");
  }

  @Test
  void anUnparsableUrlNamesTheVariable() {
    assertThatThrownBy(
            () -> GarSettings.fromEnv(Map.of("REGCRED_GAR_ALLOWED_CREDENTIAL_URLS", "http://a b/")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("REGCRED_GAR_ALLOWED_CREDENTIAL_URLS holds a value");
  }
}
