package io.regcred.provider.ecr;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An ECR credential, fetched by the real SDK from the fake, verified at the fake's registry the way
 * ECR answers: a Basic challenge, {@code AWS:<token>} accepted while the token is valid.
 */
class EcrRegistryVerificationTest {

  private static final String REGION = "eu-west-1";
  private static final String KEY_ID = "AKIAFAKEKEYID0000002";
  private static final String SECRET = "s3cr3t-VERIFY-MARKER";
  private static final String PASSWORD_MARKER = "pa55w0rd-VERIFY-MARKER-";
  private static final Instant NOW = Instant.now();

  private final InMemorySecrets secrets = new InMemorySecrets();
  private final RegistryVerifier verifier =
      new RegistryVerifier(TestTls.get().clientContext(), Duration.ofSeconds(5));
  private FakeAws fake;

  @BeforeEach
  void start() throws Exception {
    fake =
        FakeAws.startTls(REGION)
            .allow(KEY_ID, SECRET)
            .clock(Clock.fixed(NOW, ZoneOffset.UTC))
            .passwordPrefix(PASSWORD_MARKER);
    secrets.put("aws-keys", Map.of("AWS_ACCESS_KEY_ID", KEY_ID, "AWS_SECRET_ACCESS_KEY", SECRET));
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  /** The login the provider fetched, addressed to the fake's registry. */
  private RegistryAuth fetchedLogin() throws Exception {
    AwsEndpoints endpoints =
        new AwsEndpoints(Optional.of(fake.uri()), Optional.of(fake.uri()), Optional.of(fake.uri()));
    var provider =
        new EcrTokenProvider(
            secrets,
            Clock.fixed(NOW, ZoneOffset.UTC),
            endpoints,
            TestTls.get().providerHttp(),
            AwsIdentityEnv.none());
    RegistryAuth auth =
        provider
            .fetch(Credentials.named("ecr").ecr(Credentials.ecrSource(REGION, "aws-keys")).build())
            .auths()
            .get(0);
    return new RegistryAuth(fake.uri().getAuthority(), auth.username(), auth.password());
  }

  private Verification verify(RegistryAuth auth) {
    Verification verification = verifier.verify(auth);
    assertThat(verification.message()).doesNotContain(PASSWORD_MARKER).doesNotContain(SECRET);
    return verification;
  }

  @Test
  void theTokenEcrIssuedIsVerifiedWithBasic() throws Exception {
    RegistryAuth login = fetchedLogin();

    Verification verification = verify(login);

    assertThat(verification)
        .isEqualTo(
            new Verification(
                Outcome.Verified,
                fake.uri().getAuthority() + " accepted the credential (Basic) at /v2/"));
    assertThat(fake.registryAuthorizations())
        .containsExactly("", "Basic " + DockerConfigJson.basicAuth("AWS", login.password()));
  }

  @Test
  void aPasswordEcrDidNotIssueIsUnauthorized() throws Exception {
    RegistryAuth login = fetchedLogin();

    Verification verification =
        verify(new RegistryAuth(login.server(), "AWS", PASSWORD_MARKER + "forged"));

    assertThat(verification.outcome()).isEqualTo(Outcome.Unauthorized);
  }

  @Test
  void anExpiredTokenIsUnauthorized() throws Exception {
    RegistryAuth login = fetchedLogin();
    fake.clock(Clock.fixed(NOW.plus(Duration.ofHours(13)), ZoneOffset.UTC));

    Verification verification = verify(login);

    assertThat(verification)
        .isEqualTo(
            new Verification(
                Outcome.Unauthorized,
                fake.uri().getAuthority()
                    + " refused the credential (Basic): GET /v2/ answered HTTP 401"));
  }
}
