package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.regcred.model.Verification.Outcome;
import io.regcred.model.VerifyStep.Answer;
import io.regcred.model.VerifyStep.BasicLogin;
import io.regcred.model.VerifyStep.BearerLogin;
import io.regcred.model.VerifyStep.Done;
import io.regcred.model.VerifyStep.Ping;
import io.regcred.model.VerifyStep.TokenRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class VerifyStepTest {

  private static final String REGISTRY = "reg.example:5000";
  private static final String USER = "robot$ci";
  private static final TokenRequest TOKEN_REQUEST =
      new TokenRequest(URI.create("https://auth.example/token?service=reg"));
  private static final BearerLogin BEARER = new BearerLogin("tok-SECRET", "auth.example");

  private static Answer answer(int status, String... wwwAuthenticate) {
    return new Answer(status, List.of(wwwAuthenticate));
  }

  private static Answer body(int status, String json) {
    return new Answer(status, List.of(), json.getBytes(StandardCharsets.UTF_8));
  }

  private static VerifyStep next(VerifyStep taken, Answer answer) {
    return VerifyStep.next(taken, answer, REGISTRY, USER);
  }

  private static Done done(Outcome outcome, String... messageParts) {
    return new Done(new Verification(outcome, String.join("", messageParts)));
  }

  @Test
  void aHandshakeStartsWithoutTheCredential() {
    assertThat(VerifyStep.first()).isEqualTo(new Ping());
  }

  /** {@code (case, step taken, its answer, the step that follows)}. */
  static Stream<Arguments> steps() {
    String ping = "GET https://" + REGISTRY + "/v2/ without credential";
    return Stream.of(
        // After the anonymous ping.
        Arguments.of(
            "a Basic challenge: present the credential at /v2/",
            new Ping(),
            answer(401, "Basic realm=\"Registry Realm\""),
            new BasicLogin()),
        Arguments.of(
            "a Bearer challenge: ask its realm with service and the user as account",
            new Ping(),
            answer(401, "Bearer realm=\"https://auth.example/token\",service=\"reg.example\""),
            new TokenRequest(
                URI.create("https://auth.example/token?service=reg.example&account=robot%24ci"))),
        Arguments.of(
            "Bearer is preferred to Basic, as docker clients do",
            new Ping(),
            answer(401, "Basic realm=\"x\"", "Bearer realm=\"https://auth.example/t\""),
            new TokenRequest(URI.create("https://auth.example/t?account=robot%24ci"))),
        Arguments.of(
            "the realm's own query is kept; scope is passed on, encoded",
            new Ping(),
            answer(
                401,
                "Bearer realm=\"https://auth.example:8443/t?x=1\",service=\"s\","
                    + "scope=\"repository:a/b:pull\""),
            new TokenRequest(
                URI.create(
                    "https://auth.example:8443/t?x=1&service=s&scope=repository%3Aa%2Fb%3Apull"
                        + "&account=robot%24ci"))),
        Arguments.of(
            "a realm without a path",
            new Ping(),
            answer(401, "Bearer realm=\"https://auth.example\""),
            new TokenRequest(URI.create("https://auth.example/?account=robot%24ci"))),
        Arguments.of(
            "an open registry: nothing to verify",
            new Ping(),
            answer(200),
            done(
                Outcome.NotRequired,
                REGISTRY,
                " answered /v2/ without asking for a credential: there is nothing to verify")),
        Arguments.of(
            "a realm on http: the credential is not sent there",
            new Ping(),
            answer(401, "Bearer realm=\"http://auth.example/token\",service=\"s\""),
            done(
                Outcome.Unexpected,
                REGISTRY,
                " names a token endpoint (realm) that is not an https:// URL of a host"
                    + " (http://auth.example); the credential is not sent there")),
        Arguments.of(
            "a realm with user info",
            new Ping(),
            answer(401, "Bearer realm=\"https://me@auth.example/token\""),
            done(
                Outcome.Unexpected,
                REGISTRY,
                " names a token endpoint (realm) that is not an https:// URL of a host"
                    + " (https://auth.example); the credential is not sent there")),
        Arguments.of(
            "a relative realm",
            new Ping(),
            answer(401, "Bearer realm=\"/token\""),
            done(
                Outcome.Unexpected,
                REGISTRY,
                " names a token endpoint (realm) that is not an https:// URL of a host"
                    + " (no host); the credential is not sent there")),
        Arguments.of(
            "a realm that is not a URL",
            new Ping(),
            answer(401, "Bearer realm=\"https://a b/\""),
            done(
                Outcome.Unexpected,
                REGISTRY,
                " names a token endpoint (realm) that is not a URL; the credential is not sent"
                    + " there")),
        Arguments.of(
            "a Bearer challenge without a realm",
            new Ping(),
            answer(401, "Bearer service=\"s\""),
            done(
                Outcome.Unexpected,
                REGISTRY,
                " answered with a Bearer challenge without a realm (its token endpoint)")),
        Arguments.of(
            "a scheme docker clients do not speak",
            new Ping(),
            answer(401, "Negotiate abc=="),
            done(
                Outcome.Unexpected,
                ping,
                " answered HTTP 401 asking for negotiate authentication, which docker clients do"
                    + " not speak")),
        Arguments.of(
            "a 401 without a readable challenge",
            new Ping(),
            answer(401, "Basic realm=\"unterminated"),
            done(
                Outcome.Unexpected,
                ping,
                " answered HTTP 401 without a challenge a docker client can read"
                    + " (WWW-Authenticate Basic or Bearer, at most 8 KiB)")),
        Arguments.of(
            "a redirect is not followed",
            new Ping(),
            answer(302),
            done(
                Outcome.Unexpected,
                ping,
                " answered HTTP 302, a redirect: redirects are not followed, so no credential goes"
                    + " elsewhere")),
        Arguments.of(
            "a failing registry",
            new Ping(),
            answer(503),
            done(Outcome.Unreachable, ping, " answered HTTP 503: the server is unavailable")),
        Arguments.of(
            "throttled",
            new Ping(),
            answer(429),
            done(Outcome.Unreachable, ping, " answered HTTP 429: the server is unavailable")),
        Arguments.of(
            "not a registry",
            new Ping(),
            answer(404),
            done(Outcome.Unexpected, ping, " answered HTTP 404 where 200 or 401 was due")),
        // After presenting the credential as Basic.
        Arguments.of(
            "Basic accepted",
            new BasicLogin(),
            answer(200),
            done(Outcome.Verified, REGISTRY, " accepted the credential (Basic) at /v2/")),
        Arguments.of(
            "Basic refused",
            new BasicLogin(),
            answer(401, "Basic realm=\"x\""),
            done(
                Outcome.Unauthorized,
                REGISTRY,
                " refused the credential (Basic): GET /v2/ answered HTTP 401")),
        Arguments.of(
            "Basic forbidden",
            new BasicLogin(),
            answer(403),
            done(
                Outcome.Unauthorized,
                REGISTRY,
                " refused the credential (Basic): GET /v2/ answered HTTP 403")),
        Arguments.of(
            "a redirect after the credential",
            new BasicLogin(),
            answer(307),
            done(
                Outcome.Unexpected,
                "GET https://",
                REGISTRY,
                "/v2/ with the credential (Basic) answered HTTP 307, a redirect: redirects are not"
                    + " followed, so no credential goes elsewhere")),
        // After the token request.
        Arguments.of(
            "a token",
            TOKEN_REQUEST,
            body(200, "{\"token\":\"tok-SECRET\",\"expires_in\":300}"),
            BEARER),
        Arguments.of(
            "an OAuth2-style access_token",
            TOKEN_REQUEST,
            body(200, "{\"access_token\":\"tok-SECRET\"}"),
            BEARER),
        Arguments.of(
            "the token endpoint refuses the credential",
            TOKEN_REQUEST,
            body(401, "{\"details\":\"incorrect username or password\"}"),
            done(
                Outcome.Unauthorized,
                "the token endpoint auth.example refused the credential: HTTP 401")),
        Arguments.of(
            "no token in the answer",
            TOKEN_REQUEST,
            body(200, "{\"tok\":\"x\"}"),
            done(
                Outcome.Unexpected,
                "the token request to https://auth.example/token (Basic) answered HTTP 200 without"
                    + " a token (JSON field token or access_token)")),
        Arguments.of(
            "an answer that is not JSON",
            TOKEN_REQUEST,
            body(200, "<html>"),
            done(
                Outcome.Unexpected,
                "the token request to https://auth.example/token (Basic) answered HTTP 200 without"
                    + " a token (JSON field token or access_token)")),
        Arguments.of(
            "a token that would break the header",
            TOKEN_REQUEST,
            body(200, "{\"token\":\"a\\r\\nX-Injected: 1\"}"),
            done(
                Outcome.Unexpected,
                "the token request to https://auth.example/token (Basic) answered with a token that"
                    + " cannot be sent in an Authorization header")),
        Arguments.of(
            "the token endpoint redirects",
            TOKEN_REQUEST,
            body(302, ""),
            done(
                Outcome.Unexpected,
                "the token request to https://auth.example/token (Basic) answered HTTP 302, a"
                    + " redirect: redirects are not followed, so no credential goes elsewhere")),
        Arguments.of(
            "the token endpoint fails",
            TOKEN_REQUEST,
            body(502, ""),
            done(
                Outcome.Unreachable,
                "the token request to https://auth.example/token (Basic) answered HTTP 502: the"
                    + " server is unavailable")),
        // After presenting the token.
        Arguments.of(
            "the token is accepted",
            BEARER,
            answer(200),
            done(Outcome.Verified, REGISTRY, " accepted the token auth.example issued at /v2/")),
        Arguments.of(
            "the token is refused",
            BEARER,
            answer(401, "Bearer realm=\"https://auth.example/token\",error=\"invalid_token\""),
            done(
                Outcome.Unauthorized,
                REGISTRY,
                " refused the token auth.example issued: GET /v2/ answered HTTP 401")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("steps")
  void eachAnswerLeadsToTheNextStep(
      String name, VerifyStep taken, Answer answer, VerifyStep expected) {
    assertThat(next(taken, answer)).isEqualTo(expected);
  }

  @Test
  void theTokenNeverShowsInTheStep() {
    assertThat(BEARER.toString()).doesNotContain("tok-SECRET").contains("auth.example");
    assertThat(VerifyStep.describe(BEARER, REGISTRY)).doesNotContain("tok-SECRET");
  }

  @Test
  void aFinishedHandshakeStaysFinished() {
    Done done = done(Outcome.Verified, "ok");
    assertThat(next(done, answer(500))).isSameAs(done);
  }

  @Test
  void aTokenRequestShowsNoQueryInMessages() {
    var request =
        new TokenRequest(URI.create("https://auth.example/token?service=s&account=robot"));
    assertThat(VerifyStep.describe(request, REGISTRY))
        .isEqualTo("the token request to https://auth.example/token (Basic)");
  }
}
