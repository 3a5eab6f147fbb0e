package io.regcred.provider.gar;

import static org.assertj.core.api.Assertions.assertThat;

import io.regcred.model.DockerConfigJson;
import io.regcred.model.RegistryAuth;
import io.regcred.model.Verification;
import io.regcred.model.Verification.Outcome;
import io.regcred.provider.InMemorySecrets;
import io.regcred.provider.TestTls;
import io.regcred.provider.verify.RegistryVerifier;
import io.regcred.testing.Credentials;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Google access token, fetched with a service-account key by the real library from the fake,
 * verified at the fake registry the way Artifact Registry answers: a Bearer challenge with realm
 * {@code /v2/token}, where {@code oauth2accesstoken:<access token>} buys a registry token.
 */
class GarRegistryVerificationTest {

  private static final String ACCESS_MARKER = "ya29.VERIFY-MARKER-3c4d";

  private final InMemorySecrets secrets = new InMemorySecrets();
  private final RegistryVerifier verifier =
      new RegistryVerifier(TestTls.get().clientContext(), Duration.ofSeconds(5));
  private FakeGoogle google;

  @BeforeEach
  void start() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair keys = generator.generateKeyPair();
    google = FakeGoogle.https();
    google.publicKey = keys.getPublic();
    google.keyId = GarTokenProviderTest.KEY_ID;
    google.clientEmail = GarTokenProviderTest.EMAIL;
    google.accessToken = ACCESS_MARKER;
    secrets.put(
        "gar-key",
        Map.of("key.json", GarTokenProviderTest.serviceAccountKey(google.tokenUrl(), keys)));
  }

  @AfterEach
  void stop() {
    google.close();
  }

  private RegistryAuth fetchedLogin() throws Exception {
    var provider = google.provider(secrets);
    var source = Credentials.garSource("gar-key", List.of("europe-docker.pkg.dev"));
    RegistryAuth auth = provider.fetch(Credentials.named("gar").gar(source).build()).auths().get(0);
    return new RegistryAuth(
        java.net.URI.create(google.tokenUrl()).getAuthority(), auth.username(), auth.password());
  }

  private Verification verify(RegistryAuth auth) {
    Verification verification = verifier.verify(auth);
    assertThat(verification.message()).doesNotContain(ACCESS_MARKER);
    google.registryTokens.forEach(t -> assertThat(verification.message()).doesNotContain(t));
    return verification;
  }

  @Test
  void theAccessTokenBuysARegistryTokenThatTheRegistryAccepts() throws Exception {
    RegistryAuth login = fetchedLogin();

    Verification verification = verify(login);

    assertThat(verification)
        .isEqualTo(
            new Verification(
                Outcome.Verified,
                login.server() + " accepted the token " + login.server() + " issued at /v2/"));
    assertThat(google.registryTokenQueries)
        .containsExactly(
            "service=" + login.server().replace(":", "%3A") + "&account=oauth2accesstoken");
    assertThat(google.registryAuthorizations)
        .containsExactly("", "Bearer " + google.registryTokens.get(0));
    assertThat(login.username()).isEqualTo("oauth2accesstoken");
    assertThat(DockerConfigJson.basicAuth(login.username(), login.password()))
        .isEqualTo(DockerConfigJson.basicAuth("oauth2accesstoken", ACCESS_MARKER));
  }

  @Test
  void anAccessTokenGoogleDidNotIssueIsUnauthorized() throws Exception {
    RegistryAuth login = fetchedLogin();

    Verification verification =
        verify(new RegistryAuth(login.server(), login.username(), "ya29.forged"));

    assertThat(verification)
        .isEqualTo(
            new Verification(
                Outcome.Unauthorized,
                "the token endpoint " + login.server() + " refused the credential: HTTP 401"));
    assertThat(google.registryAuthorizations).containsExactly("");
  }
}
