package io.regcred.provider.staticsecret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.model.RegistryAuth;
import io.regcred.model.RegistryToken;
import io.regcred.provider.InMemorySecrets;
import io.regcred.provider.SourceException;
import io.regcred.testing.Credentials;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StaticSecretProviderTest {

  private static final String MARKER = "s3cr3t-MARKER-123";
  private static final Instant NOW = Instant.parse("2025-04-05T06:07:08Z");

  private final InMemorySecrets secrets = new InMemorySecrets();
  private final StaticSecretProvider provider =
      new StaticSecretProvider(secrets, Clock.fixed(NOW, ZoneOffset.UTC));

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static ClusterRegistryCredential staticCredential(String secretName, String server) {
    return Credentials.named("cred").staticSource(secretName, server).build();
  }

  private SourceException failure(ClusterRegistryCredential credential) {
    SourceException e =
        catchThrowableOfType(SourceException.class, () -> provider.fetch(credential));
    assertThat(e).isNotNull();
    assertThat(e.getMessage()).isNotBlank().doesNotContain(MARKER);
    assertThat(String.valueOf(e)).doesNotContain(MARKER);
    return e;
  }

  @Test
  void supportsOnlyStaticSources() {
    ClusterRegistryCredential ecr =
        Credentials.named("cred").ecr(Credentials.ecrSource("eu-west-1", null)).build();

    assertThat(provider.supports(staticCredential("x", null))).isTrue();
    assertThat(provider.supports(ecr)).isFalse();
  }

  @Test
  void readsDockerConfigJson() throws Exception {
    secrets.put(
        "pull",
        Map.of(
            ".dockerconfigjson",
            "{\"auths\":{\"quay.io\":{\"username\":\"u\",\"password\":\"p\",\"auth\":\"dTpw\"},"
                + "\"ghcr.io\":{\"auth\":\""
                + b64("bot:" + MARKER)
                + "\"}}}"));

    RegistryToken token = provider.fetch(staticCredential("pull", "ignored.example"));

    assertThat(token.auths())
        .containsExactly(
            new RegistryAuth("quay.io", "u", "p"), new RegistryAuth("ghcr.io", "bot", MARKER));
    assertThat(token.issuedAt()).isEqualTo(NOW);
    assertThat(token.expiresAt()).isEmpty();
    assertThat(token.toString()).doesNotContain(MARKER);
  }

  @Test
  void readsLegacyDockercfg() throws Exception {
    secrets.put("legacy", Map.of(".dockercfg", "{\"quay.io\":{\"auth\":\"" + b64("u:p") + "\"}}"));

    assertThat(provider.fetch(staticCredential("legacy", null)).auths())
        .containsExactly(new RegistryAuth("quay.io", "u", "p"));
  }

  @Test
  void usernameAndPasswordDefaultToDockerHub() throws Exception {
    secrets.put("basic", Map.of("username", "u", "password", MARKER));

    for (String server : new String[] {null, "", "  "}) {
      RegistryToken token = provider.fetch(staticCredential("basic", server));

      assertThat(token.auths())
          .containsExactly(new RegistryAuth("https://index.docker.io/v1/", "u", MARKER));
      assertThat(token.issuedAt()).isEqualTo(NOW);
      assertThat(token.expiresAt()).isEmpty();
    }
    assertThat(StaticSecretProvider.DEFAULT_SERVER).isEqualTo("https://index.docker.io/v1/");
  }

  @Test
  void usernameAndPasswordUseTheGivenServerAndEmail() throws Exception {
    secrets.put("basic", Map.of("username", "u", "password", "p", "email", "me@example.com"));

    assertThat(provider.fetch(staticCredential("basic", "registry.example:5000")).auths())
        .containsExactly(new RegistryAuth("registry.example:5000", "u", "p", "me@example.com"));
  }

  @Test
  void stringDataIsReadToo() throws Exception {
    secrets.put(
        new SecretBuilder()
            .withNewMetadata()
            .withName("sd")
            .endMetadata()
            .withStringData(Map.of("username", "u", "password", "p"))
            .build());

    assertThat(provider.fetch(staticCredential("sd", "r.example")).auths())
        .containsExactly(new RegistryAuth("r.example", "u", "p"));
  }

  @Test
  void missingSecretIsSourceSecretNotFound() {
    SourceException e = failure(staticCredential("absent", null));

    assertThat(e.reason()).isEqualTo("SourceSecretNotFound");
    assertThat(e.getMessage()).contains("regcred-system/absent");
  }

  @Test
  void secretWithoutUsableKeysIsSourceSecretInvalid() {
    secrets.put("empty", Map.of("token", MARKER));
    secrets.put("no-user", Map.of("password", MARKER));
    secrets.put("blank", Map.of("username", "u", "password", "", ".dockerconfigjson", ""));

    for (String name : new String[] {"empty", "no-user", "blank"}) {
      SourceException e = failure(staticCredential(name, null));

      assertThat(e.reason()).as(name).isEqualTo("SourceSecretInvalid");
      assertThat(e.getMessage()).contains("regcred-system/" + name).contains(".dockerconfigjson");
    }
  }

  @Test
  void malformedDockerConfigIsSourceSecretInvalidWithoutTheValue() {
    secrets.put(
        "not-json",
        Map.of(".dockerconfigjson", "{\"auths\":{\"quay.io\":{\"password\":\"" + MARKER + "\""));
    secrets.put("no-auths", Map.of(".dockerconfigjson", "{\"password\":\"" + MARKER + "\"}"));
    secrets.put(
        "bad-base64",
        Map.of(
            ".dockerconfigjson",
            "{\"auths\":{\"quay.io\":{\"password\":\""
                + MARKER
                + "\",\"auth\":\"%"
                + MARKER
                + "\"}}}"));
    secrets.put("bad-legacy", Map.of(".dockercfg", "[\"" + MARKER + "\"]"));

    for (String name : new String[] {"not-json", "no-auths", "bad-base64", "bad-legacy"}) {
      SourceException e = failure(staticCredential(name, null));

      assertThat(e.reason()).as(name).isEqualTo("SourceSecretInvalid");
      assertThat(e.getMessage())
          .as(name)
          .startsWith("Secret regcred-system/" + name + ": docker config ");
    }
  }

  @Test
  void dockerConfigJsonWinsOverUsernameAndPassword() throws Exception {
    secrets.put(
        "both",
        Map.of(
            ".dockerconfigjson", "{\"auths\":{\"quay.io\":{\"auth\":\"dTpw\"}}}",
            "username", "other",
            "password", "other"));

    assertThat(provider.fetch(staticCredential("both", "r.example")).auths())
        .containsExactly(new RegistryAuth("quay.io", "u", "p"));
  }

  @Test
  void serverMustBeARegistryHostWithAnOptionalPath() {
    secrets.put("basic", Map.of("username", "robot", "password", MARKER));
    for (String server :
        java.util.List.of(
            "robot:pw@quay.io",
            "https://quay.io?next=elsewhere",
            "https://quay.io/#x",
            "http://quay.io",
            "ftp://quay.io",
            "quay.io /x",
            "quay.io:99999",
            "quay.io/../x")) {
      SourceException e = failure(staticCredential("basic", server));

      assertThat(e.reason()).as(server).isEqualTo("InvalidSpec");
      assertThat(e.getMessage())
          .isEqualTo(
              "spec.source.static.server must be a registry host[:port] with an optional path,"
                  + " optionally after https://, such as quay.io or https://index.docker.io/v1/");
    }
  }
}
