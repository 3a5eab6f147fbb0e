package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class AuthChallengeTest {

  private static AuthChallenge c(String scheme, String... nameValues) {
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < nameValues.length; i += 2) {
      params.put(nameValues[i], nameValues[i + 1]);
    }
    return new AuthChallenge(scheme, params, Optional.empty());
  }

  private static AuthChallenge token68(String scheme, String token68) {
    return new AuthChallenge(scheme, Map.of(), Optional.of(token68));
  }

  static Stream<Arguments> readable() {
    return Stream.of(
        Arguments.of(
            "distribution's htpasswd challenge",
            "Basic realm=\"test\"",
            List.of(c("basic", "realm", "test"))),
        Arguments.of(
            "Docker Hub's challenge",
            "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\"",
            List.of(
                c(
                    "bearer",
                    "realm",
                    "https://auth.docker.io/token",
                    "service",
                    "registry.docker.io"))),
        Arguments.of(
            "ECR's challenge",
            "Basic realm=\"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/\","
                + "service=\"ecr.amazonaws.com\"",
            List.of(
                c(
                    "basic",
                    "realm",
                    "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/",
                    "service",
                    "ecr.amazonaws.com"))),
        Arguments.of(
            "scheme and param names in any case, tokens as values",
            "BEARER Realm=\"https://r/t\", SERVICE=reg.example",
            List.of(c("bearer", "realm", "https://r/t", "service", "reg.example"))),
        Arguments.of(
            "escapes in quoted strings",
            "Basic realm=\"a \\\"quoted\\\" \\\\ realm\"",
            List.of(c("basic", "realm", "a \"quoted\" \\ realm"))),
        Arguments.of(
            "commas and an equals sign inside quotes",
            "Bearer realm=\"https://x/token?a=b\",scope=\"repository:a/b:pull,push\"",
            List.of(
                c("bearer", "realm", "https://x/token?a=b", "scope", "repository:a/b:pull,push"))),
        Arguments.of(
            "RFC 7235's example: two challenges in one value",
            "Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", Basic realm=\"simple\"",
            List.of(
                c("newauth", "realm", "apps", "type", "1", "title", "Login to \"apps\""),
                c("basic", "realm", "simple"))),
        Arguments.of(
            "whitespace around '=' and empty list elements",
            " , Bearer realm = \"https://r/t\" ,, service=\"s\" , ",
            List.of(c("bearer", "realm", "https://r/t", "service", "s"))),
        Arguments.of("schemes without params", "Basic, Bearer", List.of(c("basic"), c("bearer"))),
        Arguments.of(
            "token68", "Negotiate abc123+/==", List.of(token68("negotiate", "abc123+/=="))),
        Arguments.of(
            "token68 then another challenge",
            "Negotiate abc=, Basic realm=x",
            List.of(token68("negotiate", "abc="), c("basic", "realm", "x"))),
        Arguments.of(
            "an empty quoted value", "Basic realm=\"\"", List.of(c("basic", "realm", ""))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("readable")
  void readsWhatRegistriesSend(String name, String header, List<AuthChallenge> expected) {
    assertThat(AuthChallenge.parse(header)).isEqualTo(expected);
  }

  @Test
  void readsChallengesFromSeveralHeaders() {
    assertThat(
            AuthChallenge.parse(
                List.of("Basic realm=\"one\"", "Bearer realm=\"https://r/t\",service=\"s\"")))
        .containsExactly(
            c("basic", "realm", "one"), c("bearer", "realm", "https://r/t", "service", "s"));
  }

  @Test
  void lookupsIgnoreCase() {
    AuthChallenge challenge = AuthChallenge.parse("Bearer Realm=\"https://r/t\"").get(0);

    assertThat(challenge.is("BEARER")).isTrue();
    assertThat(challenge.param("REALM")).contains("https://r/t");
    assertThat(challenge.param("service")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "=",
        ",,,",
        "\"Basic\"",
        "Basic realm=\"unterminated",
        "Basic realm=\"x\" service=\"y\"",
        "Basic realm=\"x\"; service=\"y\"",
        "Basic\trealm=\"x\"",
        "Basic realm=\"a\u0001b\"",
        "Basic realm=\"a\\\u0001\"",
        "Basic realm=\"end\\",
        "Bearer realm=\"https://good/t\", realm=\"https://evil/t\"",
        "Bearer realm=\"https://good/t\", REALM=\"https://evil/t\"",
        "Basic realm=\"x\",=y",
        "Basic realm=@",
        "Basic realm=\"\u4e2d\"",
        "B\u00e4sic realm=x",
      })
  void garbageGivesNoChallenge(String header) {
    assertThat(AuthChallenge.parse(header)).isEmpty();
  }

  @Test
  void aMalformedValueIsDroppedWholeAndOthersStillCount() {
    assertThat(
            AuthChallenge.parse(
                List.of("Basic realm=\"ok\", Bearer realm=\"broken", "Basic realm=\"other\"")))
        .containsExactly(c("basic", "realm", "other"));
  }

  @Test
  void nullsGiveNoChallenge() {
    assertThat(AuthChallenge.parse((String) null)).isEmpty();
    assertThat(AuthChallenge.parse((List<String>) null)).isEmpty();
    assertThat(AuthChallenge.parse(Arrays.asList(null, "Basic realm=x")))
        .containsExactly(c("basic", "realm", "x"));
  }

  @Test
  void headersBeyondTheBoundAreNotRead() {
    String fits = "Basic realm=\"" + "a".repeat(AuthChallenge.MAX_CHARS - 14) + "\"";
    String tooLong = "Basic realm=\"" + "a".repeat(AuthChallenge.MAX_CHARS) + "\"";
    List<String> manySmall = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      manySmall.add("Basic realm=\"r\"");
    }

    assertThat(fits).hasSize(AuthChallenge.MAX_CHARS);
    assertThat(AuthChallenge.parse(fits)).hasSize(1);
    assertThat(AuthChallenge.parse(tooLong)).isEmpty();
    assertThat(AuthChallenge.parse(manySmall)).isEmpty();
  }

  @Test
  void randomInputNeverThrows() {
    Random random = new Random(42);
    char[] alphabet = "aB =,\"\\\t;:/=+~\u0000\u00ff\u4e2dx".toCharArray();
    for (int n = 0; n < 20_000; n++) {
      char[] text = new char[random.nextInt(60)];
      for (int i = 0; i < text.length; i++) {
        text[i] = alphabet[random.nextInt(alphabet.length)];
      }
      List<AuthChallenge> challenges = AuthChallenge.parse(new String(text));
      assertThat(challenges).allSatisfy(c -> assertThat(c.scheme()).isNotEmpty());
    }
  }
}
