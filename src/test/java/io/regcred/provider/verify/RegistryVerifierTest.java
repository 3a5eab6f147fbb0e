package io.regcred.provider.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import io.regcred.model.AddressRule;
import io.regcred.model.DockerConfigJson;
import io.regcred.model.Reason;
import io.regcred.model.RegistryAuth;
import io.regcred.model.Verification;
import io.regcred.model.Verification.Outcome;
import io.regcred.model.VerificationResult;
import io.regcred.model.VerificationResult.ServerCheck;
import io.regcred.provider.EndlessBody;
import io.regcred.provider.TestTls;
import io.regcred.provider.verify.ScriptedServer.Request;
import io.regcred.testing.Ports;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The verifier against registries and token endpoints scripted on JDK servers: the handshakes that
 * succeed and fail, and hostile answers (redirects, realms elsewhere, huge headers, bodies that
 * never end). Every test also checks where the credential went.
 */
class RegistryVerifierTest {

  private static final String USER = "robot";
  private static final String PASSWORD = "pw-CANARY-7f3a9";
  private static final String TOKEN = "tok-CANARY-51c2";
  private static final String BASIC = "Basic " + DockerConfigJson.basicAuth(USER, PASSWORD);
  private static final String BEARER = "Bearer " + TOKEN;

  /** Ends well after the time a loopback exchange takes, and well before a test seems stuck. */
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final List<AutoCloseable> open = new ArrayList<>();
  private final List<String> messages = new ArrayList<>();
  private final EndlessBody endless = new EndlessBody();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    // The canary: no message says the password, the token or an Authorization header.
    for (String message : messages) {
      assertThat(message)
          .doesNotContain(PASSWORD)
          .doesNotContain(TOKEN)
          .doesNotContain(DockerConfigJson.basicAuth(USER, PASSWORD))
          .doesNotContainIgnoringCase("authorization:");
    }
  }

  private ScriptedServer https() throws IOException {
    ScriptedServer server = ScriptedServer.https();
    open.add(server);
    return server;
  }

  private ScriptedServer http() throws IOException {
    ScriptedServer server = ScriptedServer.http();
    open.add(server);
    return server;
  }

  /** Trusts the JVM's authorities and the test certificate, as with a CA bundle. */
  private static RegistryVerifier verifier(Duration timeout) {
    return new RegistryVerifier(
        RegistryVerifier.sslContextWith(TestTls.get().certificatePem()), timeout);
  }

  private Verification verify(String server, String password) {
    return verify(verifier(TIMEOUT), server, password);
  }

  private Verification verify(RegistryVerifier verifier, String server, String password) {
    Verification verification = verifier.verify(new RegistryAuth(server, USER, password));
    messages.add(verification.message());
    messages.add(verification.toString());
    return verification;
  }

  /** A distribution-style registry with htpasswd: Basic, accepting only USER:PASSWORD. */
  private ScriptedServer basicRegistry() throws IOException {
    return https()
        .on(
            "/v2/",
            exchange -> {
              if (BASIC.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                ScriptedServer.reply(exchange, 200, Map.of(), "{}");
              } else {
                ScriptedServer.reply(
                    exchange, 401, Map.of("WWW-Authenticate", "Basic realm=\"test\""), "{}");
              }
            });
  }

  /** A token endpoint that issues TOKEN for USER:PASSWORD. */
  private ScriptedServer tokenServer(ScriptedServer server) {
    return server.on(
        "/token",
        exchange -> {
          if (BASIC.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            ScriptedServer.reply(
                exchange, 200, Map.of(), "{\"token\":\"" + TOKEN + "\",\"expires_in\":300}");
          } else {
            ScriptedServer.reply(exchange, 401, Map.of(), "{\"details\":\"bad credential\"}");
          }
        });
  }

  /** A registry whose Bearer challenge names {@code realm}, accepting only TOKEN. */
  private ScriptedServer bearerRegistry(String realm) throws IOException {
    return https()
        .on(
            "/v2/",
            exchange -> {
              if (BEARER.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                ScriptedServer.reply(exchange, 200, Map.of(), "{}");
              } else {
                ScriptedServer.reply(
                    exchange,
                    401,
                    Map.of(
                        "WWW-Authenticate",
                        "Bearer realm=\"" + realm + "\",service=\"test-registry\""),
                    "{}");
              }
            });
  }

  private static void redirect(HttpExchange exchange, int status, String location)
      throws IOException {
    ScriptedServer.reply(exchange, status, Map.of("Location", location), "");
  }

  // ---- Basic ----------------------------------------------------------------------------------

  @Test
  void basicTheRightPasswordIsVerifiedAndTheFirstRequestCarriesNoCredential() throws Exception {
    ScriptedServer registry = basicRegistry();

    Verification verification = verify(registry.hostPort(), PASSWORD);

    assertThat(verification)
        .isEqualTo(
            new Verification(
                Outcome.Verified,
                registry.hostPort() + " accepted the credential (Basic) at /v2/"));
    assertThat(registry.requests())
        .containsExactly(new Request("GET", "/v2/", null), new Request("GET", "/v2/", BASIC));
  }

  @Test
  void basicAWrongPasswordIsUnauthorized() throws Exception {
    ScriptedServer registry = basicRegistry();

    Verification verification = verify("https://" + registry.hostPort() + "/v1/", "wrong");

    assertThat(verification.outcome()).isEqualTo(Outcome.Unauthorized);
    assertThat(verification.message())
        .isEqualTo(
            registry.hostPort() + " refused the credential (Basic): GET /v2/ answered HTTP 401");
    assertThat(registry.requests()).hasSize(2);
  }

  @Test
  void anOpenRegistryGetsNoCredentialAndIsNotCalledVerified() throws Exception {
    ScriptedServer registry =
        https().on("/v2/", exchange -> ScriptedServer.reply(exchange, 200, Map.of(), "{}"));

    Verification verification = verify(registry.hostPort(), PASSWORD);

    assertThat(verification.outcome()).isEqualTo(Outcome.NotRequired);
    assertThat(registry.authorized()).isEmpty();
  }

  // ---- Bearer ---------------------------------------------------------------------------------

  @Test
  void bearerTheCredentialGoesOnlyToTheRealmAndTheTokenOnlyToTheRegistry() throws Exception {
    // "localhost" is another host name than the registry's 127.0.0.1, as auth.docker.io is for
    // registry-1.docker.io; the test certificate names both.
    ScriptedServer auth = tokenServer(https());
    String realm = "https://localhost:" + auth.hostPort().split(":")[1] + "/token";
    ScriptedServer registry = bearerRegistry(realm);

    Verification verification = verify(registry.hostPort(), PASSWORD);

    assertThat(verification)
        .isEqualTo(
            new Verification(
                Outcome.Verified,
                registry.hostPort()
                    + " accepted the token localhost:"
                    + auth.hostPort().split(":")[1]
                    + " issued at /v2/"));
    assertThat(auth.requests())
        .containsExactly(new Request("GET", "/token?service=test-registry&account=robot", BASIC));
    assertThat(registry.requests())
        .containsExactly(new Request("GET", "/v2/", null), new Request("GET", "/v2/", BEARER));
  }

  @Test
  void bearerAWrongPasswordIsUnauthorizedAtTheTokenEndpoint() throws Exception {
    ScriptedServer auth = tokenServer(https());
    ScriptedServer registry = bearerRegistry(auth.url("/token"));

    Verification verification = verify(registry.hostPort(), "wrong");

    assertThat(verification)
        .isEqualTo(
            new Verification(
                Outcome.Unauthorized,
                "the token endpoint " + auth.hostPort() + " refused the credential: HTTP 401"));
    assertThat(registry.authorized()).isEmpty();
  }

  @Test
  void aRealmOnPlainHttpNeverReceivesTheCredential() throws Exception {
    ScriptedServer auth = tokenServer(http());
    ScriptedServer registry = bearerRegistry(auth.url("/token"));

    Verification verification = verify(registry.hostPort(), PASSWORD);

    assertThat(verification.outcome()).isEqualTo(Outcome.Unexpected);
    assertThat(verification.message())
        .contains("not an https:// URL", "http://" + auth.hostPort(), "not sent there");
    assertThat(auth.requests()).isEmpty();
    assertThat(registry.authorized()).isEmpty();
  }

  // ---- namespaced credentials: public addresses only --------------------------------------------

  /** A tenant's verifier: public addresses, and what {@code allowed} lists. */
  private static RegistryVerifier tenants(String... allowed) {
    return new RegistryVerifier(
        RegistryVerifier.sslContextWith(TestTls.get().certificatePem()),
        TIMEOUT,
        AddressRule.allowing(List.of(allowed)));
  }

  private static String notPublic(String host) {
    return "not verified: "
        + host
        + " is not a public address; namespaced credentials verify only public registries"
        + " (REGCRED_TENANT_VERIFY_ALLOWED)";
  }

  private static String port(ScriptedServer server) {
    return server.hostPort().split(":")[1];
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"127.0.0.1", "localhost"})
  void aTenantsRegistryOnALoopbackAddressGetsNoRequestAtAll(String host) throws Exception {
    ScriptedServer registry = basicRegistry();

    Verification verification = verify(tenants(), host + ":" + port(registry), PASSWORD);

    assertThat(verification).isEqualTo(new Verification(Outcome.NotPublic, notPublic(host)));
    assertThat(registry.requests()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"127.0.0.1:PORT", "127.0.0.1", "127.0.0.0/8", "::1/128,127.0.0.1/32"})
  void aListedRegistryIsVerifiedAsAnyOther(String allowed) throws Exception {
    ScriptedServer registry = basicRegistry();

    Verification verification =
        verify(
            tenants(allowed.replace("PORT", port(registry)).split(",")),
            registry.hostPort(),
            PASSWORD);

    assertThat(verification.outcome()).isEqualTo(Outcome.Verified);
    assertThat(registry.requests())
        .containsExactly(new Request("GET", "/v2/", null), new Request("GET", "/v2/", BASIC));
  }

  @Test
  void aListedHostPortListsNoOtherPortOfTheHost() throws Exception {
    ScriptedServer registry = basicRegistry();
    ScriptedServer listed = basicRegistry();

    Verification verification =
        verify(tenants("127.0.0.1:" + port(listed)), registry.hostPort(), PASSWORD);

    assertThat(verification.outcome()).isEqualTo(Outcome.NotPublic);
    assertThat(registry.requests()).isEmpty();
  }

  @Test
  void aListedRegistryCannotLeadTheCredentialToALoopbackTokenEndpoint() throws Exception {
    // The tenant's registry is listed; the realm it names (localhost, 127.0.0.1) is not.
    ScriptedServer auth = tokenServer(https());
    ScriptedServer registry = bearerRegistry("https://localhost:" + port(auth) + "/token");

    Verification verification = verify(tenants(registry.hostPort()), registry.hostPort(), PASSWORD);

    assertThat(verification)
        .isEqualTo(new Verification(Outcome.NotPublic, notPublic("the token endpoint localhost")));
    assertThat(auth.requests()).isEmpty();
    assertThat(registry.requests()).containsExactly(new Request("GET", "/v2/", null));

    Verification listed =
        verify(
            tenants(registry.hostPort(), "localhost:" + port(auth)), registry.hostPort(), PASSWORD);

    assertThat(listed.outcome()).isEqualTo(Outcome.Verified);
    assertThat(auth.requests()).hasSize(1);
  }

  @Test
  void theClusterKindVerifiesALoopbackRegistryAndTheNamespacedKindSkipsIt() throws Exception {
    ScriptedServer registry = basicRegistry();
    var auth = new RegistryAuth(registry.hostPort(), USER, PASSWORD);
    var caBundle = Optional.of(TestTls.get().certificatePem());

    ServerCheck cluster = HandshakeCheck.standard().check(auth, caBundle);
    ServerCheck namespaced =
        HandshakeCheck.publicOnly(AddressRule.PUBLIC_ONLY).check(auth, caBundle);

    assertThat(cluster.reason()).isEqualTo(Reason.Verified);
    assertThat(namespaced)
        .isEqualTo(new ServerCheck(registry.hostPort(), Reason.Skipped, notPublic("127.0.0.1")));
    assertThat(VerificationResult.of(List.of(namespaced)).status()).isEqualTo("Unknown");
    assertThat(registry.requests()).as("the cluster kind's two requests only").hasSize(2);
  }

  // ---- hostile answers ------------------------------------------------------------------------

  @Test
  void aRedirectOfV2IsNotFollowed() throws Exception {
    ScriptedServer elsewhere = basicRegistry();
    ScriptedServer registry =
        https().on("/v2/", exchange -> redirect(exchange, 302, elsewhere.url("/v2/")));

    Verification verification = verify(registry.hostPort(), PASSWORD);

    assertThat(verification.outcome()).isEqualTo(Outcome.Unexpected);
    assertThat(verification.message())
        .isEqualTo(
            "GET https://"
                + registry.hostPort()
                + "/v2/ without credential answered HTTP 302, a redirect: redirects are not"
                + " followed, so no credential goes elsewhere");
    assertThat(elsewhere.requests()).isEmpty();
    assertThat(registry.authorized()).isEmpty();
  }

  @Test
  void aRedirectAnsweringTheCredentialIsNotFollowed() throws Exception {
    ScriptedServer elsewhere = basicRegistry();
    ScriptedServer registry =
        https()
            .on(
                "/v2/",
                exchange -> {
                  if (exchange.getRequestHeaders().getFirst("Authorization") == null) {
                    ScriptedServer.reply(
                        exchange, 401, Map.of("WWW-Authenticate", "Basic realm=\"r\""), "");
                  } else {
                    redirect(exchange, 307, elsewhere.url("/v2/"));
                  }
                });

    Verification verification = verify(registry.hostPort(), PASSWORD);

    assertThat(verification.outcome()).isEqualTo(Outcome.Unexpected);
    assertThat(verification.message()).contains("HTTP 307, a redirect");
    assertThat(elsewhere.requests()).isEmpty();
  }

  @Test
  void aTokenEndpointRedirectIsNotFollowed() throws Exception {
    ScriptedServer elsewhere = tokenServer(https());
    ScriptedServer auth =
        https().on("/token", exchange -> redirect(exchange, 301, elsewhere.url("/token")));
    ScriptedServer registry = bearerRegistry(auth.url("/token"));

    Verification verification = verify(registry.hostPort(), PASSWORD);

    assertThat(verification.outcome()).isEqualTo(Outcome.Unexpected);
    assertThat(verification.message())
        .startsWith("the token request to https://" + auth.hostPort() + "/token (Basic)")
        .contains("HTTP 301, a redirect");
    assertThat(elsewhere.requests()).isEmpty();
  }

  @ParameterizedTest(name = "{0} KiB")
  @CsvSource({
    "200, answered HTTP 401 without a challenge a docker client can read",
    "1024, failed: the answer is not HTTP the client can read",
  })
  void aHugeChallengeIsNotReadAndNoCredentialIsSent(int kib, String says) throws Exception {
    String huge = "Basic realm=\"" + "a".repeat(kib * 1024) + "\"";
    ScriptedServer registry =
        https()
            .on(
                "/v2/",
                exchange ->
                    ScriptedServer.reply(exchange, 401, Map.of("WWW-Authenticate", huge), ""));

    Verification verification = verify(registry.hostPort(), PASSWORD);

    assertThat(verification.outcome()).isEqualTo(Outcome.Unexpected);
    assertThat(verification.message()).contains(says);
    assertThat(registry.authorized()).isEmpty();
  }

  @Test
  void endlessBodiesAtV2AreNotRead() throws Exception {
    CountDownLatch answered = new CountDownLatch(2);
    ScriptedServer registry =
        https()
            .on(
                "/v2/",
                exchange -> {
                  boolean presented =
                      BASIC.equals(exchange.getRequestHeaders().getFirst("Authorization"));
                  if (!presented) {
                    exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"r\"");
                  }
                  endless.send(exchange, presented ? 200 : 401, "application/json", "{", ' ', 0);
                  answered.countDown();
                });

    Verification verification = verify(registry.hostPort(), PASSWORD);

    assertThat(verification.outcome()).isEqualTo(Outcome.Verified);
    // Each endless answer ends when the client hangs up, or else at EndlessBody.CAP.
    assertThat(answered.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(endless.written()).isLessThan(EndlessBody.CAP / 8);
    System.out.printf(
        "endless /v2/ bodies: the verifier took %d KiB of them before hanging up%n",
        endless.written() / 1024);
  }

  @Test
  void anEndlessTokenAnswerEndsAtTheBound() throws Exception {
    CountDownLatch answered = new CountDownLatch(1);
    ScriptedServer auth =
        https()
            .on(
                "/token",
                exchange -> {
                  endless.send(exchange, 200, "application/json", "{\"token\":\"", 'a', 0);
                  answered.countDown();
                });
    ScriptedServer registry = bearerRegistry(auth.url("/token"));

    Verification verification = verify(registry.hostPort(), PASSWORD);

    assertThat(verification.outcome()).isEqualTo(Outcome.Unexpected);
    assertThat(verification.message())
        .isEqualTo(
            "the token request to https://"
                + auth.hostPort()
                + "/token (Basic) answered with a body larger than 64 KiB");
    assertThat(answered.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(endless.written()).isLessThan(EndlessBody.CAP / 8);
    assertThat(registry.authorized()).isEmpty();
    System.out.printf(
        "endless token answer: the verifier took %d KiB of it before hanging up%n",
        endless.written() / 1024);
  }

  @Test
  void aTricklingTokenAnswerTimesOut() throws Exception {
    ScriptedServer auth =
        https()
            .on(
                "/token",
                exchange ->
                    endless.send(exchange, 200, "application/json", "{\"token\":\"", 'a', 20));
    ScriptedServer registry = bearerRegistry(auth.url("/token"));

    Verification verification =
        verify(verifier(Duration.ofMillis(700)), registry.hostPort(), PASSWORD);

    assertThat(verification.outcome()).isEqualTo(Outcome.Unreachable);
    assertThat(verification.message())
        .isEqualTo(
            "the token request to https://"
                + auth.hostPort()
                + "/token (Basic) timed out after 700 ms");
  }

  @Test
  void aServerThatNeverAnswersTimesOut() throws Exception {
    // The kernel completes connections into the backlog; nobody ever reads or answers them.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Verification verification =
          verify(verifier(Duration.ofMillis(700)), "127.0.0.1:" + silent.getLocalPort(), PASSWORD);

      assertThat(verification.outcome()).isEqualTo(Outcome.Unreachable);
      // The TLS handshake counts towards connecting: which of the two limits ends it first varies.
      assertThat(verification.message())
          .matches(
              "GET https://127\\.0\\.0\\.1:"
                  + silent.getLocalPort()
                  + "/v2/ without credential (timed out after|could not connect within) 700 ms");
    }
  }

  // ---- unreachable, TLS -----------------------------------------------------------------------

  @Test
  void nothingListeningIsUnreachable() {
    int port = Ports.freeLoopbackPort();

    Verification verification = verify("127.0.0.1:" + port, PASSWORD);

    assertThat(verification)
        .isEqualTo(
            new Verification(
                Outcome.Unreachable,
                "GET https://127.0.0.1:"
                    + port
                    + "/v2/ without credential failed: the connection was refused"));
  }

  @Test
  void anUntrustedCertificateIsUnreachableAndSaysSo() throws Exception {
    ScriptedServer registry = basicRegistry();

    Verification verification =
        verify(
            new RegistryVerifier(SSLContext.getDefault(), TIMEOUT), registry.hostPort(), PASSWORD);

    assertThat(verification.outcome()).isEqualTo(Outcome.Unreachable);
    assertThat(verification.message())
        .isEqualTo(
            "GET https://"
                + registry.hostPort()
                + "/v2/ without credential failed: TLS: the server's certificate is not trusted"
                + " (neither by the JVM's certificate authorities nor by the CA bundle)");
    assertThat(registry.requests()).isEmpty();
  }

  @Test
  void aCaBundleMustHoldReadableCertificates() {
    assertThatThrownBy(() -> RegistryVerifier.sslContextWith("no certificate here"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the CA bundle holds no PEM certificate");
    assertThatThrownBy(
            () ->
                RegistryVerifier.sslContextWith(
                    TestTls.get().certificatePem()
                        + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("certificate 2 of the CA bundle cannot be read");
  }

  @Test
  void aServerThatNamesNoHostIsNotContacted() {
    Verification verification = verify("ftp://example.com", PASSWORD);

    assertThat(verification.outcome()).isEqualTo(Outcome.Unexpected);
    assertThat(verification.message())
        .isEqualTo("the server is not a registry host[:port] a client could reach");
  }
}
