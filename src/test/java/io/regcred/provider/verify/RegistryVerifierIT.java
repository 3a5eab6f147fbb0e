package io.regcred.provider.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.regcred.it.LocalRegistry;
import io.regcred.model.DockerConfigJson;
import io.regcred.model.RegistryAuth;
import io.regcred.model.Verification;
import io.regcred.model.Verification.Outcome;
import io.regcred.provider.TestTls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The verifier against the real registry, Debian's docker-registry (CNCF distribution 2.8): with
 * htpasswd (Basic) and with token auth (Bearer), its tokens issued by {@link TokenServer}. skopeo,
 * a real docker client, logs in to the same registries: the verifier must agree with it.
 */
class RegistryVerifierIT {

  private static final String USER = "robot";
  private static final String PASSWORD = "pw-CANARY-3e81c";
  private static final String SERVICE = "regcred-test-registry";

  @TempDir static Path dir;

  private static LocalRegistry basic;
  private static TokenServer tokens;
  private static LocalRegistry bearer;
  private static TokenServer plainTokens;
  private static LocalRegistry bearerOverHttp;
  private static String caBundle;

  private final List<String> messages = new ArrayList<>();

  @BeforeAll
  static void startRegistries() throws Exception {
    basic = LocalRegistry.start(USER, PASSWORD);
    tokens = TokenServer.https(USER, PASSWORD, Files.createDirectories(dir.resolve("tokens")));
    bearer =
        LocalRegistry.startWithTokenAuth(
            tokens.realm(), SERVICE, TokenServer.ISSUER, tokens.rootCertBundle());
    plainTokens =
        TokenServer.http(USER, PASSWORD, Files.createDirectories(dir.resolve("plain-tokens")));
    bearerOverHttp =
        LocalRegistry.startWithTokenAuth(
            plainTokens.realm(), SERVICE, TokenServer.ISSUER, plainTokens.rootCertBundle());
    caBundle =
        basic.certificatePem()
            + bearer.certificatePem()
            + bearerOverHttp.certificatePem()
            + TestTls.get().certificatePem();
    // skopeo must trust the token server too, as the verifier does through the bundle.
    Files.writeString(bearer.certDir().resolve("token-server.crt"), TestTls.get().certificatePem());
  }

  @AfterAll
  static void stopRegistries() {
    for (AutoCloseable c :
        new AutoCloseable[] {basic, bearer, tokens, bearerOverHttp, plainTokens}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // best effort
      }
    }
  }

  @AfterEach
  void noSecretInAnyMessage() {
    for (String message : messages) {
      assertThat(message)
          .doesNotContain(PASSWORD)
          .doesNotContain(DockerConfigJson.basicAuth(USER, PASSWORD));
      for (String token : tokens.issued()) {
        assertThat(message).doesNotContain(token);
      }
    }
  }

  private Verification verify(SSLContext trust, String server, String password) {
    Verification verification =
        new RegistryVerifier(trust, Duration.ofSeconds(10))
            .verify(new RegistryAuth(server, USER, password));
    messages.add(verification.message());
    return verification;
  }

  private Verification verify(String server, String password) {
    return verify(RegistryVerifier.sslContextWith(caBundle), server, password);
  }

  // ---- htpasswd: Basic ------------------------------------------------------------------------

  @Test
  void basicTheRightPasswordIsVerified() {
    assertThat(verify(basic.host(), PASSWORD))
        .isEqualTo(
            new Verification(
                Outcome.Verified, basic.host() + " accepted the credential (Basic) at /v2/"));
  }

  @Test
  void basicAWrongPasswordIsUnauthorized() {
    assertThat(verify("https://" + basic.host(), "wrong-password"))
        .isEqualTo(
            new Verification(
                Outcome.Unauthorized,
                basic.host() + " refused the credential (Basic): GET /v2/ answered HTTP 401"));
  }

  @Test
  void aRegistryThatIsNotRunningIsUnreachable() throws Exception {
    LocalRegistry stopped = LocalRegistry.start(USER, PASSWORD);
    stopped.close();

    Verification verification = verify(stopped.host(), PASSWORD);

    assertThat(verification)
        .isEqualTo(
            new Verification(
                Outcome.Unreachable,
                "GET https://"
                    + stopped.host()
                    + "/v2/ without credential failed: the connection was refused"));
  }

  @Test
  void aCertificateOutsideTheTrustIsUnreachableAndSaysSo() throws Exception {
    Verification verification = verify(SSLContext.getDefault(), basic.host(), PASSWORD);

    assertThat(verification.outcome()).isEqualTo(Outcome.Unreachable);
    assertThat(verification.message())
        .isEqualTo(
            "GET https://"
                + basic.host()
                + "/v2/ without credential failed: TLS: the server's certificate is not trusted"
                + " (neither by the JVM's certificate authorities nor by the CA bundle)");
  }

  // ---- token auth: Bearer ---------------------------------------------------------------------

  @Test
  void bearerTheRightPasswordIsVerifiedWithATokenTheRegistryChecked() {
    int before = tokens.requests().size();

    Verification verification = verify(bearer.host(), PASSWORD);

    assertThat(verification)
        .isEqualTo(
            new Verification(
                Outcome.Verified,
                bearer.host() + " accepted the token " + tokens.hostPort() + " issued at /v2/"));
    List<TokenServer.Request> asked = tokens.requests().subList(before, tokens.requests().size());
    assertThat(asked).hasSize(1);
    assertThat(asked.get(0).query()).isEqualTo(Map.of("service", SERVICE, "account", USER));
    assertThat(asked.get(0).authorization())
        .isEqualTo("Basic " + DockerConfigJson.basicAuth(USER, PASSWORD));
  }

  @Test
  void bearerAWrongPasswordIsUnauthorizedAtTheTokenServer() {
    assertThat(verify(bearer.host(), "wrong-password"))
        .isEqualTo(
            new Verification(
                Outcome.Unauthorized,
                "the token endpoint " + tokens.hostPort() + " refused the credential: HTTP 401"));
  }

  @Test
  void aTokenTheRegistryCannotVerifyIsUnauthorized() throws Exception {
    TokenServer forger =
        TokenServer.https(USER, PASSWORD, Files.createDirectories(dir.resolve("forger")));
    forger.corruptSignatures();
    try (forger;
        LocalRegistry registry =
            LocalRegistry.startWithTokenAuth(
                forger.realm(), SERVICE, TokenServer.ISSUER, forger.rootCertBundle())) {
      String bundle = registry.certificatePem() + TestTls.get().certificatePem();

      Verification verification =
          verify(RegistryVerifier.sslContextWith(bundle), registry.host(), PASSWORD);

      assertThat(verification)
          .isEqualTo(
              new Verification(
                  Outcome.Unauthorized,
                  registry.host()
                      + " refused the token "
                      + forger.hostPort()
                      + " issued: GET /v2/ answered HTTP 401"));
    }
  }

  @Test
  void aRealmOnPlainHttpIsRefusedAndReceivesNothing() {
    Verification verification = verify(bearerOverHttp.host(), PASSWORD);

    assertThat(verification)
        .isEqualTo(
            new Verification(
                Outcome.Unexpected,
                bearerOverHttp.host()
                    + " names a token endpoint (realm) that is not an https:// URL of a host (http://"
                    + plainTokens.hostPort()
                    + "); the credential is not sent there"));
    assertThat(plainTokens.requests()).isEmpty();
  }

  // ---- the real client agrees -----------------------------------------------------------------

  @ParameterizedTest(name = "{0} registry, password {1}")
  @CsvSource({
    "basic, pw-CANARY-3e81c, Verified",
    "basic, wrong-password, Unauthorized",
    "bearer, pw-CANARY-3e81c, Verified",
    "bearer, wrong-password, Unauthorized",
  })
  void skopeoLogsInExactlyWhenTheVerifierSaysVerified(
      String kind, String password, Outcome expected) throws Exception {
    LocalRegistry registry = kind.equals("basic") ? basic : bearer;

    Verification verification = verify(registry.host(), password);
    SkopeoLogin skopeo = skopeoLogin(registry, password);

    assertThat(verification.outcome()).isEqualTo(expected);
    assertThat(skopeo.succeeded()).as(skopeo.output()).isEqualTo(expected == Outcome.Verified);
  }

  private record SkopeoLogin(boolean succeeded, String output) {}

  private static SkopeoLogin skopeoLogin(LocalRegistry registry, String password) throws Exception {
    // A new file each time: skopeo would otherwise reuse a stored login.
    Path authfile = dir.resolve("auth-" + UUID.randomUUID() + ".json");
    Process p =
        new ProcessBuilder(
                "skopeo",
                "login",
                "--authfile",
                authfile.toString(),
                "--cert-dir",
                registry.certDir().toString(),
                "--username",
                USER,
                "--password-stdin",
                registry.host())
            .redirectErrorStream(true)
            .start();
    try (var in = p.getOutputStream()) {
      in.write(password.getBytes(StandardCharsets.UTF_8));
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("skopeo login timed out");
    }
    return new SkopeoLogin(p.exitValue() == 0, output);
  }
}
