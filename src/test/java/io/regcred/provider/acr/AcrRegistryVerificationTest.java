package io.regcred.provider.acr;

import static org.assertj.core.api.Assertions.assertThat;

import io.regcred.config.OperatorConfig;
import io.regcred.model.DockerConfigJson;
import io.regcred.model.RegistryAuth;
import io.regcred.model.Verification;
import io.regcred.model.Verification.Outcome;
import io.regcred.provider.InMemorySecrets;
import io.regcred.provider.TestTls;
import io.regcred.provider.verify.RegistryVerifier;
import io.regcred.testing.Credentials;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An ACR credential, fetched through Entra ID and the exchange by the real library from the fakes,
 * verified at the fake login server the way ACR answers: a Bearer challenge whose realm is the
 * server's {@code /oauth2/token}, where the refresh token buys an access token for {@code /v2/}.
 */
class AcrRegistryVerificationTest {

  private static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  private static final String CLIENT_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
  private static final String CLIENT_SECRET = "cs-VERIFY-MARKER-9e2a";

  private final InMemorySecrets secrets = new InMemorySecrets();
  private final RegistryVerifier verifier =
      new RegistryVerifier(TestTls.get().clientContext(), Duration.ofSeconds(5));
  private FakeEntra entra;
  private FakeAcr acr;

  @BeforeEach
  void start() throws Exception {
    entra = new FakeEntra(TENANT, CLIENT_ID).acceptClientSecret(CLIENT_SECRET);
    acr = new FakeAcr(entra, TENANT, Clock.systemUTC());
    secrets.put("acr-sp", Map.of("clientSecret", CLIENT_SECRET));
  }

  @AfterEach
  void stop() {
    acr.close();
    entra.close();
  }

  private RegistryAuth fetchedLogin() throws Exception {
    var config =
        OperatorConfig.fromEnv(
            Map.of(
                "REGCRED_AZURE_AUTHORITY_HOST", entra.authorityHost().toString(),
                "REGCRED_ACR_ALLOWED_SERVERS", acr.server()));
    var provider =
        new AcrTokenProvider(
            secrets, Clock.systemUTC(), config.azure(), TestTls.get().providerHttp());
    var source = Credentials.acrSource(acr.server(), TENANT, CLIENT_ID, "acr-sp");
    return provider.fetch(Credentials.named("acr").acr(source).build()).auths().get(0);
  }

  private Verification verify(RegistryAuth auth) {
    Verification verification = verifier.verify(auth);
    assertThat(verification.message()).doesNotContain(CLIENT_SECRET);
    acr.issued().forEach(t -> assertThat(verification.message()).doesNotContain(t));
    acr.registryAccessTokens().forEach(t -> assertThat(verification.message()).doesNotContain(t));
    return verification;
  }

  @Test
  void theRefreshTokenBuysAnAccessTokenThatTheRegistryAccepts() throws Exception {
    RegistryAuth login = fetchedLogin();

    Verification verification = verify(login);

    assertThat(verification)
        .isEqualTo(
            new Verification(
                Outcome.Verified,
                acr.server() + " accepted the token " + acr.server() + " issued at /v2/"));
    assertThat(acr.tokenRequests())
        .containsExactly(
            new FakeAcr.TokenRequest(
                Map.of("service", "127.0.0.1", "account", FakeAcr.NULL_GUID),
                "Basic " + DockerConfigJson.basicAuth(FakeAcr.NULL_GUID, login.password())));
    assertThat(acr.registryAuthorizations())
        .containsExactly("", "Bearer " + acr.registryAccessTokens().get(0));
  }

  @Test
  void aRefreshTokenAcrDidNotIssueIsUnauthorized() throws Exception {
    RegistryAuth login = fetchedLogin();

    Verification verification =
        verify(new RegistryAuth(login.server(), login.username(), login.password() + "x"));

    assertThat(verification)
        .isEqualTo(
            new Verification(
                Outcome.Unauthorized,
                "the token endpoint " + acr.server() + " refused the credential: HTTP 401"));
    assertThat(acr.registryAuthorizations()).containsExactly("");
    assertThat(acr.registryAccessTokens()).isEqualTo(List.of());
  }
}
