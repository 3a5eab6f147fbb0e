package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.regcred.model.DockerConfigJson.InvalidDockerConfig;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class DockerConfigJsonTest {

  private static final String MARKER = "s3cr3t-MARKER-123";

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static InvalidDockerConfig invalid(String json, boolean legacy) {
    InvalidDockerConfig e =
        catchThrowableOfType(InvalidDockerConfig.class, () -> DockerConfigJson.parse(json, legacy));
    assertThat(e).as("parse should reject %s", legacy ? "legacy config" : "config").isNotNull();
    assertThat(e.getMessage()).isNotBlank().doesNotContain(MARKER);
    assertThat(String.valueOf(e)).doesNotContain(MARKER);
    assertThat(e.getCause()).isNull();
    return e;
  }

  @Test
  void renderWritesKubectlLayoutByteForByte() {
    String json = DockerConfigJson.render(List.of(new RegistryAuth("quay.io", "u", "p")));

    assertThat(json.getBytes(StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"auths\":{\"quay.io\":{\"username\":\"u\",\"password\":\"p\",\"auth\":\"dTpw\"}}}"
                .getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void renderIncludesEmailBetweenPasswordAndAuthOnlyWhenGiven() {
    String withEmail =
        DockerConfigJson.render(List.of(new RegistryAuth("quay.io", "u", "p", "me@example.com")));
    String emptyEmail = DockerConfigJson.render(List.of(new RegistryAuth("quay.io", "u", "p", "")));

    assertThat(withEmail)
        .isEqualTo(
            "{\"auths\":{\"quay.io\":{\"username\":\"u\",\"password\":\"p\",\"email\":\"me@example.com\",\"auth\":\"dTpw\"}}}");
    assertThat(emptyEmail).doesNotContain("email");
  }

  @Test
  void renderKeepsServerOrderAndEscapesValues() {
    String json =
        DockerConfigJson.render(
            List.of(
                new RegistryAuth("z.example", "a", "q\"x"),
                new RegistryAuth("a.example", "b", "c")));

    assertThat(json).startsWith("{\"auths\":{\"z.example\":");
    assertThat(json.indexOf("z.example")).isLessThan(json.indexOf("a.example"));
    assertThat(json).contains("\"password\":\"q\\\"x\"");
  }

  @Test
  void basicAuthIsBase64OfUserColonPassword() {
    assertThat(DockerConfigJson.basicAuth("u", "p")).isEqualTo("dTpw");
    assertThat(DockerConfigJson.basicAuth("AWS", "tok:en")).isEqualTo(b64("AWS:tok:en"));
  }

  @Test
  void renderThenParseRoundTrips() throws Exception {
    List<RegistryAuth> auths =
        List.of(
            new RegistryAuth("quay.io", "u", "p", "me@example.com"),
            new RegistryAuth("ghcr.io", "bot", "pw:with:colons"));

    List<RegistryAuth> parsed = DockerConfigJson.parse(DockerConfigJson.render(auths), false);

    assertThat(parsed).containsExactlyElementsOf(auths);
  }

  @Test
  void parseDecodesAuthOnlyEntries() throws Exception {
    String json = "{\"auths\":{\"registry.example\":{\"auth\":\"" + b64("robot:pa:ss") + "\"}}}";

    List<RegistryAuth> parsed = DockerConfigJson.parse(json, false);

    assertThat(parsed)
        .containsExactly(new RegistryAuth("registry.example", "robot", "pa:ss", null));
  }

  @Test
  void parsePrefersExplicitUsernameAndPasswordOverAuth() throws Exception {
    String json =
        "{\"auths\":{\"r.example\":{\"username\":\"u\",\"password\":\"p\",\"auth\":\""
            + b64("other:value")
            + "\"}}}";

    assertThat(DockerConfigJson.parse(json, false))
        .containsExactly(new RegistryAuth("r.example", "u", "p"));
  }

  @Test
  void parseReadsLegacyDockercfgWithoutAuthsWrapper() throws Exception {
    String legacy =
        "{\"https://index.docker.io/v1/\":{\"auth\":\""
            + b64("u:p")
            + "\",\"email\":\"me@example.com\"},"
            + "\"quay.io\":{\"username\":\"q\",\"password\":\"w\"}}";

    List<RegistryAuth> parsed = DockerConfigJson.parse(legacy, true);

    assertThat(parsed)
        .containsExactly(
            new RegistryAuth("https://index.docker.io/v1/", "u", "p", "me@example.com"),
            new RegistryAuth("quay.io", "q", "w", null));
  }

  @Test
  void legacyLayoutIsNotAcceptedAsDockerconfigjson() {
    String legacy = "{\"quay.io\":{\"username\":\"q\",\"password\":\"" + MARKER + "\"}}";

    assertThat(invalid(legacy, false).getMessage()).contains("auths");
  }

  @Test
  void invalidJsonIsRejectedWithoutTheValue() {
    assertThat(
            invalid(
                    "{\"auths\":{\"quay.io\":{\"username\":\"u\",\"password\":\"" + MARKER + "\"",
                    false)
                .getMessage())
        .contains("not valid JSON");
    assertThat(invalid("{\"auths\": " + MARKER + "}", false).getMessage())
        .contains("not valid JSON");
    assertThat(invalid("{\"quay.io\":{\"password\":\"" + MARKER + "\",}", true).getMessage())
        .contains("not valid JSON");
  }

  @Test
  void missingAuthsIsRejectedWithoutTheValue() {
    assertThat(invalid("{\"credsStore\":\"" + MARKER + "\"}", false).getMessage())
        .contains("auths");
    assertThat(invalid("{\"auths\":{}}", false).getMessage()).contains("auths");
    assertThat(invalid("{\"auths\":\"" + MARKER + "\"}", false).getMessage()).contains("auths");
    assertThat(invalid("{}", true).getMessage()).contains("no registry entries");
  }

  @Test
  void badBase64AuthIsRejectedWithoutTheValue() {
    String json =
        "{\"auths\":{\"quay.io\":{\"password\":\"" + MARKER + "\",\"auth\":\"%%" + MARKER + "\"}}}";

    assertThat(invalid(json, false).getMessage()).contains("quay.io").contains("base64");
  }

  @Test
  void authWithoutColonIsRejectedWithoutTheValue() {
    String json = "{\"auths\":{\"quay.io\":{\"auth\":\"" + b64(MARKER) + "\"}}}";

    InvalidDockerConfig e = invalid(json, false);
    assertThat(e.getMessage()).contains("quay.io").doesNotContain(b64(MARKER));
  }

  @Test
  void entryWithoutCredentialsIsRejectedWithoutTheValue() {
    String json = "{\"auths\":{\"quay.io\":{\"password\":\"" + MARKER + "\"}}}";

    assertThat(invalid(json, false).getMessage()).contains("quay.io").contains("neither");
    assertThat(invalid("{\"auths\":{\"quay.io\":\"" + MARKER + "\"}}", false).getMessage())
        .contains("not an object");
  }
}
