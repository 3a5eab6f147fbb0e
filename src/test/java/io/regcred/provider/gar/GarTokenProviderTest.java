package io.regcred.provider.gar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auth.oauth2.GoogleCredentials;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.it.LogCapture;
import io.regcred.model.RegistryAuth;
import io.regcred.model.RegistryToken;
import io.regcred.provider.AttackerHost;
import io.regcred.provider.BoundedBody;
import io.regcred.provider.InMemorySecrets;
import io.regcred.provider.ProviderHttp;
import io.regcred.provider.SourceException;
import io.regcred.provider.TestTls;
import io.regcred.testing.Credentials;
import io.regcred.testing.Ports;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GarTokenProviderTest {

  private static final Instant NOW = Instant.parse("2025-04-05T06:07:08Z");
  static final String EMAIL = "puller@regcred-test.iam.gserviceaccount.com";
  static final String KEY_ID = "0123456789abcdef0123456789abcdef01234567";
  private static final String ACCESS_MARKER = "ya29.ACCESS-MARKER-4f1c";
  private static final String STS_MARKER = "ya29.STS-MARKER-77aa";
  private static final String IMPERSONATED_MARKER = "ya29.IMPERSONATED-MARKER-1b2c";
  private static final String SUBJECT_MARKER = "eyJhbGciOi.SUBJECT-MARKER-9d8e.sig";
  private static final String JSON_MARKER = "JSON-MARKER-5a5a";
  private static final String AUDIENCE =
      "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/p/providers/q";
  private static final List<String> SERVERS = List.of("europe-docker.pkg.dev", "gcr.io");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static KeyPair keys;
  private static KeyPair otherKeys;

  @TempDir Path tmp;

  private final InMemorySecrets secrets = new InMemorySecrets();
  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final List<FakeGoogle> fakes = new ArrayList<>();
  private GarSettings settings;

  @BeforeAll
  static void generateKeys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    keys = generator.generateKeyPair();
    otherKeys = generator.generateKeyPair();
  }

  @BeforeEach
  void allowTheSubjectTokenFile() {
    settings = new GarSettings(List.of(), List.of(tmp.resolve("subject-token")));
  }

  @AfterEach
  void closeFakes() {
    fakes.forEach(FakeGoogle::close);
  }

  // ---- fixtures ------------------------------------------------------------------------------

  private FakeGoogle fake(boolean https) throws IOException {
    FakeGoogle fake = https ? FakeGoogle.https() : FakeGoogle.http();
    fake.publicKey = keys.getPublic();
    fake.keyId = KEY_ID;
    fake.clientEmail = EMAIL;
    fake.subjectToken = SUBJECT_MARKER;
    fake.audience = AUDIENCE;
    fake.accessToken = ACCESS_MARKER;
    fake.stsAccessToken = STS_MARKER;
    fake.impersonatedToken = IMPERSONATED_MARKER;
    fakes.add(fake);
    return fake;
  }

  private GarTokenProvider provider() {
    return provider(TestTls.get().providerHttp());
  }

  private GarTokenProvider provider(ProviderHttp http) {
    return provider(http, endpoints());
  }

  /** Pins the endpoints of the last fake started, else Google's. */
  private GoogleEndpoints endpoints() {
    return fakes.isEmpty() ? GoogleEndpoints.google() : fakes.get(fakes.size() - 1).endpoints();
  }

  private GarTokenProvider provider(ProviderHttp http, GoogleEndpoints endpoints) {
    return new GarTokenProvider(
        secrets,
        clock,
        http,
        settings,
        endpoints,
        transport -> {
          throw new IOException("no ADC in this test");
        });
  }

  private static String pem(KeyPair pair) {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(pair.getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  /** The body of the PEM, which must never appear anywhere. */
  private static String pemBody(KeyPair pair) {
    return Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()).substring(40, 104);
  }

  static String serviceAccountKey(String tokenUri, KeyPair pair) {
    ObjectNode key = JSON.createObjectNode();
    key.put("type", "service_account");
    key.put("project_id", "regcred-test");
    key.put("private_key_id", KEY_ID);
    key.put("private_key", pem(pair));
    key.put("client_email", EMAIL);
    key.put("client_id", "123456789012345678901");
    key.put("token_uri", tokenUri);
    return key.toString();
  }

  private String externalAccountKey(FakeGoogle fake, boolean impersonate) throws IOException {
    Path subject = tmp.resolve("subject-token");
    Files.writeString(subject, SUBJECT_MARKER);
    return externalAccountKey(fake, impersonate, subject);
  }

  private static String externalAccountKey(FakeGoogle fake, boolean impersonate, Path subject) {
    ObjectNode key = JSON.createObjectNode();
    key.put("type", "external_account");
    key.put("audience", AUDIENCE);
    key.put("subject_token_type", "urn:ietf:params:oauth:token-type:jwt");
    key.put("token_url", fake.tokenUrl());
    key.putObject("credential_source").put("file", subject.toString());
    if (impersonate) {
      key.put("service_account_impersonation_url", fake.impersonationUrl(EMAIL));
    }
    return key.toString();
  }

  private static ClusterRegistryCredential garCredential(String secretName) {
    return garCredential(secretName, SERVERS);
  }

  private static ClusterRegistryCredential garCredential(String secretName, List<String> servers) {
    return Credentials.named("cred").gar(Credentials.garSource(secretName, servers)).build();
  }

  private static final List<String> CANARIES =
      List.of(
          ACCESS_MARKER,
          STS_MARKER,
          IMPERSONATED_MARKER,
          SUBJECT_MARKER,
          "SUBJECT-MARKER",
          JSON_MARKER,
          "PRIVATE KEY",
          "assertion=",
          "eyJ");

  private static SourceException failure(GarTokenProvider provider, ClusterRegistryCredential c) {
    SourceException e = catchThrowableOfType(SourceException.class, () -> provider.fetch(c));
    assertThat(e).as("fetch should fail").isNotNull();
    assertThat(e.getMessage()).isNotBlank();
    for (String canary : List.of(pemBody(keys), pemBody(otherKeys))) {
      assertThat(e.getMessage()).doesNotContain(canary);
    }
    for (String canary : CANARIES) {
      assertThat(e.getMessage()).doesNotContain(canary);
      assertThat(String.valueOf(e)).doesNotContain(canary);
    }
    assertThat(e.getCause()).isNull();
    return e;
  }

  private static void assertExpiresIn(RegistryToken token, long seconds) {
    Instant expected = Instant.now().plusSeconds(seconds);
    assertThat(token.expiresAt()).isPresent();
    assertThat(token.expiresAt().get()).isCloseTo(expected, within(3, ChronoUnit.SECONDS));
  }

  // ---- supports ------------------------------------------------------------------------------

  @Test
  void supportsOnlyGarSources() {
    ClusterRegistryCredential other = Credentials.named("cred").staticSource("x", null).build();

    assertThat(provider().supports(garCredential("x"))).isTrue();
    assertThat(provider().supports(garCredential(null))).isTrue();
    assertThat(provider().supports(other)).isFalse();
  }

  // ---- service-account key -------------------------------------------------------------------

  @Test
  void serviceAccountKeyGivesOneAccessTokenForEveryServer() throws Exception {
    FakeGoogle google = fake(false);
    secrets.put("gar-key", Map.of("key.json", serviceAccountKey(google.tokenUrl(), keys)));

    RegistryToken token = provider().fetch(garCredential("gar-key"));

    assertThat(token.auths())
        .containsExactly(
            new RegistryAuth("europe-docker.pkg.dev", "oauth2accesstoken", ACCESS_MARKER),
            new RegistryAuth("gcr.io", "oauth2accesstoken", ACCESS_MARKER));
    assertThat(token.issuedAt()).isEqualTo(NOW);
    assertExpiresIn(token, 3599);
    assertThat(token.toString()).doesNotContain(ACCESS_MARKER);
    assertThat(google.problems).isEmpty();
    assertThat(google.jwtCalls).hasValue(1);
    // What the library signs: kid = private_key_id, iss = client_email, the scope, and an aud
    // that is Google's token URI even though token_uri points at the fake.
    assertThat(google.lastJwtHeader.path("kid").asText()).isEqualTo(KEY_ID);
    assertThat(google.lastJwtHeader.path("alg").asText()).isEqualTo("RS256");
    assertThat(google.lastJwtClaims.path("iss").asText()).isEqualTo(EMAIL);
    assertThat(google.lastJwtClaims.path("scope").asText()).isEqualTo(FakeGoogle.SCOPE);
    assertThat(google.lastJwtClaims.path("aud").asText()).isEqualTo(FakeGoogle.GOOGLE_TOKEN_URI);
    assertThat(
            google.lastJwtClaims.path("exp").asLong() - google.lastJwtClaims.path("iat").asLong())
        .isEqualTo(3600);
  }

  @Test
  void expiryFollowsExpiresIn() throws Exception {
    FakeGoogle google = fake(false);
    google.expiresIn = 1234;
    secrets.put("gar-key", Map.of("key.json", serviceAccountKey(google.tokenUrl(), keys)));

    RegistryToken token = provider().fetch(garCredential("gar-key"));

    assertExpiresIn(token, 1234);
  }

  @Test
  void everyFetchMakesOneTokenCall() throws Exception {
    FakeGoogle google = fake(false);
    secrets.put("gar-key", Map.of("key.json", serviceAccountKey(google.tokenUrl(), keys)));
    GarTokenProvider provider = provider();

    provider.fetch(garCredential("gar-key"));
    provider.fetch(garCredential("gar-key"));
    provider.fetch(garCredential("gar-key"));

    assertThat(google.jwtCalls).hasValue(3);
  }

  @Test
  void serviceAccountKeyOverHttps() throws Exception {
    FakeGoogle google = fake(true);
    secrets.put("gar-key", Map.of("key.json", serviceAccountKey(google.tokenUrl(), keys)));

    RegistryToken token = provider().fetch(garCredential("gar-key"));

    assertThat(token.auths()).extracting(RegistryAuth::password).containsOnly(ACCESS_MARKER);
  }

  @Test
  void untrustedCertificateIsUnreachable() throws Exception {
    FakeGoogle google = fake(true);
    secrets.put("gar-key", Map.of("key.json", serviceAccountKey(google.tokenUrl(), keys)));

    SourceException e = failure(provider(ProviderHttp.defaults()), garCredential("gar-key"));

    assertThat(e.reason()).isEqualTo("ProviderUnreachable");
    assertThat(e.getMessage()).contains("SSLHandshakeException");
    assertThat(google.jwtCalls).hasValue(0);
  }

  @Test
  void wrongKeyIsAccessDenied() throws Exception {
    FakeGoogle google = fake(false);
    secrets.put("gar-key", Map.of("key.json", serviceAccountKey(google.tokenUrl(), otherKeys)));

    SourceException e = failure(provider(), garCredential("gar-key"));

    assertThat(e.reason()).isEqualTo("AccessDenied");
    assertThat(e.getMessage())
        .contains("Google OAuth2 token")
        .contains("HTTP 400")
        .contains("invalid_grant")
        .contains("regcred-system/gar-key");
    assertThat(google.problems).containsExactly("Invalid JWT Signature.");
    assertThat(google.jwtCalls).hasValue(1);
  }

  @Test
  void unauthorizedAndForbiddenAreAccessDenied() throws Exception {
    FakeGoogle google = fake(false);
    secrets.put("gar-key", Map.of("key.json", serviceAccountKey(google.tokenUrl(), keys)));

    google.tokenReply = FakeGoogle.Reply.oauthError(401, "invalid_client", "echo " + ACCESS_MARKER);
    assertThat(failure(provider(), garCredential("gar-key")).reason()).isEqualTo("AccessDenied");

    google.tokenReply = FakeGoogle.Reply.oauthError(403, "access_denied", "echo " + JSON_MARKER);
    SourceException e = failure(provider(), garCredential("gar-key"));
    assertThat(e.reason()).isEqualTo("AccessDenied");
    assertThat(e.getMessage()).contains("HTTP 403").contains("access_denied");
  }

  @Test
  void serverErrorIsProviderUnavailableWithoutRetries() throws Exception {
    FakeGoogle google = fake(false);
    google.tokenReply =
        new FakeGoogle.Reply(500, "text/html", "<html>oops " + ACCESS_MARKER + "</html>");
    secrets.put("gar-key", Map.of("key.json", serviceAccountKey(google.tokenUrl(), keys)));

    SourceException e = failure(provider(), garCredential("gar-key"));

    assertThat(e.reason()).isEqualTo("ProviderUnavailable");
    assertThat(e.getMessage()).contains("HTTP 500");
    assertThat(google.jwtCalls).hasValue(1);
  }

  @Test
  void tooManyRequestsIsProviderUnavailable() throws Exception {
    FakeGoogle google = fake(false);
    google.tokenReply = FakeGoogle.Reply.oauthError(429, "rate_limit_exceeded", "slow down");
    secrets.put("gar-key", Map.of("key.json", serviceAccountKey(google.tokenUrl(), keys)));

    SourceException e = failure(provider(), garCredential("gar-key"));

    assertThat(e.reason()).isEqualTo("ProviderUnavailable");
    assertThat(e.getMessage()).contains("HTTP 429").contains("rate_limit_exceeded");
  }

  @Test
  void malformedTokenResponseIsProviderError() throws Exception {
    FakeGoogle google = fake(false);
    google.tokenReply =
        new FakeGoogle.Reply(200, "application/json", "{\"token\":\"" + ACCESS_MARKER + "\"}");
    secrets.put("gar-key", Map.of("key.json", serviceAccountKey(google.tokenUrl(), keys)));

    SourceException e = failure(provider(), garCredential("gar-key"));

    assertThat(e.reason()).isEqualTo("ProviderError");
  }

  @Test
  void connectionRefusedIsProviderUnreachable() throws Exception {
    int port = Ports.freeLoopbackPort();
    String tokenUri = "http://127.0.0.1:" + port + "/token";
    secrets.put("gar-key", Map.of("key.json", serviceAccountKey(tokenUri, keys)));
    GoogleEndpoints closed =
        new GoogleEndpoints(
            Set.of(tokenUri), Set.of(), Set.of(), URI.create("https://127.0.0.1:" + port));

    long start = System.nanoTime();
    SourceException e =
        failure(provider(TestTls.get().providerHttp(), closed), garCredential("gar-key"));

    assertThat(e.reason()).isEqualTo("ProviderUnreachable");
    assertThat(e.getMessage()).contains("ConnectException");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void slowEndpointTimesOutAfterTheProviderTimeout() throws Exception {
    FakeGoogle google = fake(false);
    google.tokenDelayMillis = 3000;
    secrets.put("gar-key", Map.of("key.json", serviceAccountKey(google.tokenUrl(), keys)));
    ProviderHttp http = new ProviderHttp(TestTls.get().clientContext(), Duration.ofMillis(400));

    long start = System.nanoTime();
    SourceException e = failure(provider(http), garCredential("gar-key"));

    assertThat(e.reason()).isEqualTo("ProviderUnreachable");
    assertThat(e.getMessage()).contains("SocketTimeoutException");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
    assertThat(google.jwtCalls).hasValue(1);
  }

  // ---- bounded response bodies ------------------------------------------------------------------

  /**
   * The fetch's failure when the token endpoint answers this status with a body that never ends.
   */
  private SourceException endlessTokenAnswer(FakeGoogle google, int status) throws Exception {
    google.endlessTokenStatus = status;
    secrets.put("gar-key", Map.of("key.json", serviceAccountKey(google.tokenUrl(), keys)));
    return assertTimeoutPreemptively(
        Duration.ofSeconds(10), () -> failure(provider(), garCredential("gar-key")));
  }

  @Test
  void anEndlessTokenResponseFailsAfterTheBoundWithoutReadingOn() throws Exception {
    FakeGoogle google = fake(false);
    SourceException e = endlessTokenAnswer(google, 200);

    assertThat(e.reason()).isEqualTo("ProviderError");
    assertThat(e.getMessage())
        .isEqualTo(
            "Google OAuth2 token (key.json of Secret regcred-system/gar-key) answered with a body"
                + " larger than 64 KiB");
    assertThat(google.endless.written()).isLessThan(8L * 1024 * 1024);
  }

  @Test
  void anEndlessErrorResponseIsMappedByItsStatus() throws Exception {
    FakeGoogle google = fake(false);
    SourceException e = endlessTokenAnswer(google, 503);

    assertThat(e.reason()).isEqualTo("ProviderUnavailable");
    assertThat(e.getMessage()).endsWith("failed: HTTP 503");
    assertThat(google.endless.written()).isLessThan(8L * 1024 * 1024);
  }

  @Test
  void aCompressedBodyIsBoundedAfterDecompression() throws Exception {
    FakeGoogle google = fake(false);
    ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(gzipped)) {
      gzip.write("{\"access_token\":\"".getBytes(StandardCharsets.UTF_8));
      byte[] filler = new byte[1024 * 1024];
      Arrays.fill(filler, (byte) 'a');
      for (int i = 0; i < 64; i++) {
        gzip.write(filler);
      }
      gzip.write(
          "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}".getBytes(StandardCharsets.UTF_8));
    }
    google.gzippedTokenBody = gzipped.toByteArray();
    assertThat(google.gzippedTokenBody.length).isLessThan(BoundedBody.MAX_BYTES);
    secrets.put("gar-key", Map.of("key.json", serviceAccountKey(google.tokenUrl(), keys)));

    SourceException e = failure(provider(), garCredential("gar-key"));

    assertThat(e.reason()).isEqualTo("ProviderError");
    assertThat(e.getMessage()).endsWith("answered with a body larger than 64 KiB");
  }

  // ---- external account (workload identity federation) --------------------------------------

  @Test
  void externalAccountExchangesTheSubjectTokenAtSts() throws Exception {
    FakeGoogle google = fake(true);
    secrets.put("wif", Map.of("key.json", externalAccountKey(google, false)));

    RegistryToken token = provider().fetch(garCredential("wif"));

    assertThat(token.auths())
        .containsExactly(
            new RegistryAuth("europe-docker.pkg.dev", "oauth2accesstoken", STS_MARKER),
            new RegistryAuth("gcr.io", "oauth2accesstoken", STS_MARKER));
    assertExpiresIn(token, 3600);
    assertThat(google.problems).isEmpty();
    assertThat(google.stsCalls).hasValue(1);
    assertThat(google.jwtCalls).hasValue(0);
    assertThat(google.lastStsForm)
        .containsEntry("grant_type", FakeGoogle.TOKEN_EXCHANGE)
        .containsEntry("subject_token", SUBJECT_MARKER)
        .containsEntry("subject_token_type", "urn:ietf:params:oauth:token-type:jwt")
        .containsEntry("audience", AUDIENCE)
        .containsEntry("requested_token_type", FakeGoogle.ACCESS_TOKEN_TYPE)
        .containsEntry("scope", FakeGoogle.SCOPE);
  }

  @Test
  void externalAccountWithImpersonation() throws Exception {
    FakeGoogle google = fake(true);
    Instant expiry = Instant.now().plusSeconds(1800).truncatedTo(ChronoUnit.SECONDS);
    google.impersonatedExpiry = expiry;
    secrets.put("wif", Map.of("key.json", externalAccountKey(google, true)));

    RegistryToken token = provider().fetch(garCredential("wif"));

    assertThat(token.auths())
        .extracting(RegistryAuth::password)
        .containsExactly(IMPERSONATED_MARKER, IMPERSONATED_MARKER);
    assertThat(token.expiresAt()).contains(expiry);
    assertThat(google.problems).isEmpty();
    assertThat(google.stsCalls).hasValue(1);
    assertThat(google.impersonationCalls).hasValue(1);
    assertThat(google.lastImpersonationBody.path("lifetime").asText()).isEqualTo("3600s");
  }

  @Test
  void wrongSubjectTokenIsAccessDenied() throws Exception {
    FakeGoogle google = fake(true);
    google.subjectToken = "the-token-sts-expects";
    secrets.put("wif", Map.of("key.json", externalAccountKey(google, false)));

    SourceException e = failure(provider(), garCredential("wif"));

    assertThat(e.reason()).isEqualTo("AccessDenied");
    assertThat(e.getMessage()).contains("HTTP 400").contains("invalid_grant");
    assertThat(google.stsCalls).hasValue(1);
  }

  @Test
  void stsServerErrorWithoutJsonIsProviderUnavailable() throws Exception {
    FakeGoogle google = fake(true);
    google.tokenReply = new FakeGoogle.Reply(503, "text/html", "<p>" + STS_MARKER + "</p>");
    secrets.put("wif", Map.of("key.json", externalAccountKey(google, false)));

    SourceException e = failure(provider(), garCredential("wif"));

    assertThat(e.reason()).isEqualTo("ProviderUnavailable");
    assertThat(e.getMessage()).contains("HTTP 503");
  }

  @Test
  void stsServerErrorWithJsonIsProviderUnavailable() throws Exception {
    FakeGoogle google = fake(true);
    google.tokenReply = FakeGoogle.Reply.oauthError(500, "server_error", "echo " + SUBJECT_MARKER);
    secrets.put("wif", Map.of("key.json", externalAccountKey(google, false)));

    SourceException e = failure(provider(), garCredential("wif"));

    assertThat(e.reason()).isEqualTo("ProviderUnavailable");
    assertThat(e.getMessage()).contains("HTTP 500").contains("server_error");
  }

  @Test
  void impersonationRefusalIsAccessDenied() throws Exception {
    FakeGoogle google = fake(true);
    google.impersonationReply =
        new FakeGoogle.Reply(
            403,
            "application/json",
            "{\"error\":{\"code\":403,\"message\":\"Permission denied for "
                + STS_MARKER
                + "\",\"status\":\"PERMISSION_DENIED\"}}");
    secrets.put("wif", Map.of("key.json", externalAccountKey(google, true)));

    SourceException e = failure(provider(), garCredential("wif"));

    assertThat(e.reason()).isEqualTo("AccessDenied");
    assertThat(e.getMessage()).contains("HTTP 403").contains("PERMISSION_DENIED");
    assertThat(google.stsCalls).hasValue(1);
    assertThat(google.impersonationCalls).hasValue(1);
  }

  @Test
  void missingCredentialSourceFileIsCredentialUnavailable() throws Exception {
    FakeGoogle google = fake(true);
    settings = new GarSettings(List.of(), List.of(tmp.resolve("missing")));
    secrets.put(
        "wif", Map.of("key.json", externalAccountKey(google, false, tmp.resolve("missing"))));

    SourceException e = failure(provider(), garCredential("wif"));

    assertThat(e.reason()).isEqualTo("CredentialUnavailable");
    assertThat(google.stsCalls).hasValue(0);
  }

  @Test
  void externalAccountWithPlainHttpTokenUrlIsInvalid() throws Exception {
    FakeGoogle google = fake(false);
    secrets.put("wif", Map.of("key.json", externalAccountKey(google, false)));

    SourceException e = failure(provider(), garCredential("wif"));

    assertThat(e.reason()).isEqualTo("SourceSecretInvalid");
    assertThat(e.getMessage()).contains("external_account");
    assertThat(google.stsCalls).hasValue(0);
  }

  // ---- Application Default Credentials -------------------------------------------------------

  @Test
  void withoutSecretUsesApplicationDefaultCredentialsWithTheProviderTransport() throws Exception {
    FakeGoogle google = fake(true);
    String key = serviceAccountKey(google.tokenUrl(), keys);
    GarTokenProvider provider =
        new GarTokenProvider(
            secrets,
            clock,
            TestTls.get().providerHttp(),
            settings,
            google.endpoints(),
            transport ->
                GoogleCredentials.fromStream(
                    new ByteArrayInputStream(key.getBytes(StandardCharsets.UTF_8)), transport));

    RegistryToken token = provider.fetch(garCredential(null));

    assertThat(token.auths()).extracting(RegistryAuth::password).containsOnly(ACCESS_MARKER);
    assertThat(google.lastJwtClaims.path("scope").asText()).isEqualTo(FakeGoogle.SCOPE);
    assertThat(google.jwtCalls).hasValue(1);
  }

  @Test
  void missingApplicationDefaultCredentialsAreCredentialUnavailable() {
    SourceException e = failure(provider(), garCredential(null));

    assertThat(e.reason()).isEqualTo("CredentialUnavailable");
    assertThat(e.getMessage()).contains("Application Default Credentials");
  }

  // ---- the source Secret ---------------------------------------------------------------------

  @Test
  void missingSecretIsSourceSecretNotFound() {
    SourceException e = failure(provider(), garCredential("absent"));

    assertThat(e.reason()).isEqualTo("SourceSecretNotFound");
    assertThat(e.getMessage()).contains("regcred-system/absent");
  }

  @Test
  void missingKeyIsSourceSecretInvalid() {
    secrets.put("gar-key", Map.of("other.json", "{}"));

    SourceException e = failure(provider(), garCredential("gar-key"));

    assertThat(e.reason()).isEqualTo("SourceSecretInvalid");
    assertThat(e.getMessage()).contains("key.json");
  }

  @Test
  void unparsableJsonIsSourceSecretInvalidWithoutTheJson() {
    secrets.put("gar-key", Map.of("key.json", "{\"type\":\"service_account\", " + JSON_MARKER));

    SourceException e = failure(provider(), garCredential("gar-key"));

    assertThat(e.reason()).isEqualTo("SourceSecretInvalid");
    assertThat(e.getMessage()).contains("not valid JSON");
  }

  @Test
  void unsupportedTypeIsSourceSecretInvalid() {
    secrets.put(
        "gar-key",
        Map.of(
            "key.json",
            "{\"type\":\"authorized_user\",\"refresh_token\":\"" + JSON_MARKER + "\"}"));
    assertThat(failure(provider(), garCredential("gar-key")).getMessage())
        .contains("type authorized_user");

    secrets.put("gar-key", Map.of("key.json", "{\"type\":\"" + JSON_MARKER + "\"}"));
    assertThat(failure(provider(), garCredential("gar-key")).reason())
        .isEqualTo("SourceSecretInvalid");

    secrets.put("gar-key", Map.of("key.json", "[\"" + JSON_MARKER + "\"]"));
    assertThat(failure(provider(), garCredential("gar-key")).reason())
        .isEqualTo("SourceSecretInvalid");
  }

  @Test
  void brokenPrivateKeyIsSourceSecretInvalidWithoutTheKey() {
    String key =
        serviceAccountKey("https://oauth2.googleapis.com/token", keys)
            .replace("-----BEGIN PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----" + JSON_MARKER);
    secrets.put("gar-key", Map.of("key.json", key));

    SourceException e = failure(provider(), garCredential("gar-key"));

    assertThat(e.reason()).isEqualTo("SourceSecretInvalid");
    assertThat(e.getMessage()).contains("service_account");
  }

  @Test
  void serversMustBeGoogleRegistries() throws Exception {
    FakeGoogle google = fake(false);
    secrets.put("gar-key", Map.of("key.json", serviceAccountKey(google.tokenUrl(), keys)));
    for (String server :
        List.of("registry.attacker.example", "gcr.io.attacker.example", "127.0.0.1:5000")) {
      ClusterRegistryCredential credential = garCredential("gar-key", List.of("gcr.io", server));

      SourceException e = failure(provider(), credential);

      assertThat(e.reason()).isEqualTo("InvalidSpec");
      assertThat(e.getMessage())
          .isEqualTo(
              "spec.source.gar.servers[1] must be gcr.io, <name>.gcr.io or"
                  + " <location>-docker.pkg.dev");
    }
    assertThat(google.jwtCalls).as("no token was fetched").hasValue(0);
  }

  // ---- no echo: of an error answer, only a known error code is shown ---------------------------

  /** Shaped like an OAuth error code, so only an allow list keeps it out. */
  private static final String CANARY = "canary_3f9a1c";

  private static final Map<String, String> CANARY_HEADERS =
      Map.of(
          "WWW-Authenticate",
          "Bearer error=\"" + CANARY + "\", error_description=\"" + CANARY + "\"",
          "X-Debug-Echo",
          CANARY);

  @Test
  void errorAnswersAreNeverEchoed() throws Exception {
    try (LogCapture logs = new LogCapture()) {
      FakeGoogle google = fake(true);
      secrets.put("gar-key", Map.of("key.json", serviceAccountKey(google.tokenUrl(), keys)));
      secrets.put("wif", Map.of("key.json", externalAccountKey(google, true)));
      String json = "application/json";
      List<FakeGoogle.Reply> replies =
          List.of(
              new FakeGoogle.Reply(
                  400,
                  json,
                  "{\"error\":\"" + CANARY + "\",\"error_description\":\"" + CANARY + "\"}",
                  CANARY_HEADERS),
              new FakeGoogle.Reply(
                  401,
                  json,
                  "{\"error\":{\"code\":401,\"message\":\""
                      + CANARY
                      + "\",\"status\":\""
                      + CANARY.toUpperCase(java.util.Locale.ROOT)
                      + "\"}}",
                  CANARY_HEADERS),
              new FakeGoogle.Reply(500, "text/plain", CANARY, CANARY_HEADERS),
              new FakeGoogle.Reply(
                  403,
                  json,
                  "{\"error\":\"access_denied\",\"error_description\":\"" + CANARY + "\"}",
                  CANARY_HEADERS));
      for (String secret : List.of("gar-key", "wif")) {
        for (FakeGoogle.Reply reply : replies) {
          google.tokenReply = reply;

          SourceException e = failure(provider(), garCredential(secret));

          assertThat(e.getMessage())
              .contains("HTTP " + reply.status())
              .doesNotContainIgnoringCase("canary");
        }
      }
      google.tokenReply = null;
      google.impersonationReply =
          new FakeGoogle.Reply(
              403,
              json,
              "{\"error\":{\"code\":403,\"message\":\""
                  + CANARY
                  + "\",\"status\":\""
                  + CANARY.toUpperCase(java.util.Locale.ROOT)
                  + "\"}}",
              CANARY_HEADERS);
      SourceException e = failure(provider(), garCredential("wif"));
      assertThat(e.getMessage()).contains("HTTP 403").doesNotContainIgnoringCase("canary");
      assertThat(failureWithKnownCode(google, json).getMessage())
          .contains("HTTP 403, PERMISSION_DENIED");

      assertThat(logs.lines())
          .noneMatch(l -> l.toLowerCase(java.util.Locale.ROOT).contains("canary"));
    }
  }

  private SourceException failureWithKnownCode(FakeGoogle google, String json) {
    google.impersonationReply =
        new FakeGoogle.Reply(
            403,
            json,
            "{\"error\":{\"code\":403,\"message\":\""
                + CANARY
                + "\",\"status\":\"PERMISSION_DENIED\"}}",
            CANARY_HEADERS);
    SourceException e = failure(provider(), garCredential("wif"));
    assertThat(e.getMessage()).doesNotContainIgnoringCase("canary");
    return e;
  }

  // ---- no courier: a key.json can name no host, file or URL of its own -----------------------

  /** The operator's own projected ServiceAccount token, as a file on its host. */
  private static final String OPERATOR_TOKEN = "eyJ.OPERATOR-SA-TOKEN-31c4.sig";

  private Path operatorToken() throws IOException {
    Path file = tmp.resolve("operator-sa-token");
    Files.writeString(file, OPERATOR_TOKEN);
    return file;
  }

  /** A fetch that is refused before anything is sent, with the rule in the message. */
  private SourceException refused(AttackerHost attacker, String rule) {
    SourceException e = failure(provider(), garCredential("gar-key"));
    assertThat(e.reason()).isEqualTo("SourceSecretInvalid");
    assertThat(e.getMessage())
        .startsWith("Secret regcred-system/gar-key: key.json ")
        .contains(rule);
    assertThat(e.getMessage()).doesNotContain(OPERATOR_TOKEN);
    if (attacker != null) {
      assertThat(attacker.requests()).as("requests to the attacker's host").isEmpty();
      assertThat(e.getMessage()).doesNotContain(attacker.hostPort());
    }
    for (FakeGoogle google : fakes) {
      assertThat(google.stsCalls.get() + google.jwtCalls.get() + google.impersonationCalls.get())
          .as("calls to Google")
          .isZero();
    }
    return e;
  }

  @Test
  void universeDomainCannotSendTheSubjectTokenElsewhere() throws Exception {
    fake(true);
    try (AttackerHost attacker = AttackerHost.https()) {
      ObjectNode key =
          (ObjectNode) JSON.readTree(externalAccountKey(fakes.get(0), false, operatorToken()));
      // google-auth builds https://sts.<universe_domain>/v1/token when token_url is absent.
      key.remove("token_url");
      key.put("universe_domain", "x@" + attacker.hostPort());
      secrets.put("gar-key", Map.of("key.json", key.toString()));

      refused(attacker, "universe_domain must be googleapis.com or absent");
    }
  }

  @Test
  void externalAccountWithoutTokenUrlIsRefused() throws Exception {
    FakeGoogle google = fake(true);
    ObjectNode key = (ObjectNode) JSON.readTree(externalAccountKey(google, false));
    key.remove("token_url");
    secrets.put("gar-key", Map.of("key.json", key.toString()));

    refused(null, "token_url must be " + google.tokenUrl());
  }

  @Test
  void tokenUrlCannotNameAnotherHost() throws Exception {
    FakeGoogle google = fake(true);
    try (AttackerHost attacker = AttackerHost.https()) {
      ObjectNode key = (ObjectNode) JSON.readTree(externalAccountKey(google, false));
      key.put("token_url", attacker.url("/v1/token"));
      secrets.put("gar-key", Map.of("key.json", key.toString()));

      refused(attacker, "token_url must be " + google.tokenUrl());
    }
  }

  @Test
  void impersonationUrlCannotNameAnotherHost() throws Exception {
    FakeGoogle google = fake(true);
    try (AttackerHost attacker = AttackerHost.https()) {
      ObjectNode key = (ObjectNode) JSON.readTree(externalAccountKey(google, true));
      key.put(
          "service_account_impersonation_url",
          attacker.url("/v1/projects/-/serviceAccounts/" + EMAIL + ":generateAccessToken"));
      secrets.put("gar-key", Map.of("key.json", key.toString()));

      refused(attacker, "service_account_impersonation_url must be absent or");
    }
  }

  @Test
  void tokenInfoUrlCannotNameAnotherHost() throws Exception {
    FakeGoogle google = fake(true);
    try (AttackerHost attacker = AttackerHost.https()) {
      ObjectNode key = (ObjectNode) JSON.readTree(externalAccountKey(google, false));
      key.put("token_info_url", attacker.url("/v1/introspect"));
      secrets.put("gar-key", Map.of("key.json", key.toString()));

      refused(attacker, "token_info_url must be absent or");
    }
  }

  @Test
  void serviceAccountTokenUriCannotNameAnotherHost() throws Exception {
    FakeGoogle google = fake(false);
    try (AttackerHost attacker = AttackerHost.http()) {
      // The signed assertion is a bearer credential for an hour: it must reach Google only.
      secrets.put("gar-key", Map.of("key.json", serviceAccountKey(attacker.url("/token"), keys)));

      refused(attacker, "token_uri must be " + google.tokenUrl());
    }
  }

  @Test
  void aRepeatedFieldCannotHideAnotherHost() throws Exception {
    FakeGoogle google = fake(false);
    try (AttackerHost attacker = AttackerHost.http()) {
      String key = serviceAccountKey(google.tokenUrl(), keys);
      for (String twice :
          List.of(
              key.replace(
                  "\"token_uri\"", "\"token_uri\":\"" + attacker.url("/t") + "\",\"token_uri\""),
              key.substring(0, key.length() - 1)
                  + ",\"token_uri\":\""
                  + attacker.url("/t")
                  + "\"}")) {
        secrets.put("gar-key", Map.of("key.json", twice));

        SourceException e = failure(provider(), garCredential("gar-key"));

        assertThat(e.reason()).isEqualTo("SourceSecretInvalid");
        assertThat(e.getMessage()).contains("is not valid JSON (or repeats a field)");
      }
      assertThat(attacker.requests()).isEmpty();
      assertThat(google.jwtCalls).hasValue(0);
    }
  }

  @Test
  void credentialSourceUrlMustBeListed() throws Exception {
    FakeGoogle google = fake(true);
    try (AttackerHost attacker = AttackerHost.http()) {
      ObjectNode key = (ObjectNode) JSON.readTree(externalAccountKey(google, false));
      key.putObject("credential_source")
          .put("url", attacker.url("/computeMetadata/v1/instance/service-accounts/default/token"))
          .putObject("headers")
          .put("Metadata-Flavor", "Google");
      secrets.put("gar-key", Map.of("key.json", key.toString()));

      refused(
          attacker,
          "credential_source.url must be a URL listed in REGCRED_GAR_ALLOWED_CREDENTIAL_URLS");
    }
  }

  @Test
  void aListedCredentialSourceUrlIsRead() throws Exception {
    FakeGoogle google = fake(true);
    settings = new GarSettings(List.of(google.subjectTokenUrl()), List.of());
    ObjectNode key = (ObjectNode) JSON.readTree(externalAccountKey(google, false));
    key.putObject("credential_source").put("url", google.subjectTokenUrl());
    secrets.put("wif", Map.of("key.json", key.toString()));

    RegistryToken token = provider().fetch(garCredential("wif"));

    assertThat(token.auths()).extracting(RegistryAuth::password).containsOnly(STS_MARKER);
    assertThat(google.subjectTokenCalls).hasValue(1);
    assertThat(google.lastStsForm).containsEntry("subject_token", SUBJECT_MARKER);
  }

  @Test
  void credentialSourceFileMustBeListed() throws Exception {
    FakeGoogle google = fake(true);
    // Listed: tmp/subject-token. Not listed: the operator's own token, by any spelling.
    Path operatorToken = operatorToken();
    Files.createDirectories(tmp.resolve("dir"));
    Files.createSymbolicLink(tmp.resolve("link-to-operator-token"), operatorToken);
    for (String path :
        List.of(
            operatorToken.toString(),
            tmp.resolve("dir/../operator-sa-token").toString(),
            tmp.resolve("dir/../subject-token").toString(),
            tmp.resolve("link-to-operator-token").toString(),
            "operator-sa-token")) {
      ObjectNode key = (ObjectNode) JSON.readTree(externalAccountKey(google, false));
      ((ObjectNode) key.get("credential_source")).put("file", path);
      secrets.put("gar-key", Map.of("key.json", key.toString()));

      refused(
          null,
          "credential_source.file must be a file listed in REGCRED_GAR_ALLOWED_CREDENTIAL_FILES");
    }
  }

  @Test
  void aLinkToAListedFileIsTheListedFile() throws Exception {
    FakeGoogle google = fake(true);
    Path listed = tmp.resolve("subject-token");
    Files.writeString(listed, SUBJECT_MARKER);
    Path link = Files.createSymbolicLink(tmp.resolve("alias"), listed);
    secrets.put("wif", Map.of("key.json", externalAccountKey(google, false, link)));

    RegistryToken token = provider().fetch(garCredential("wif"));

    assertThat(token.auths()).extracting(RegistryAuth::password).containsOnly(STS_MARKER);
  }

  @Test
  void credentialSourcesOtherThanFileAndUrlAreRefused() throws Exception {
    FakeGoogle google = fake(true);
    Path ran = tmp.resolve("ran");
    try (AttackerHost attacker = AttackerHost.http()) {
      Map<String, ObjectNode> sources =
          Map.of(
              "credential_source.executable is not supported",
              JSON.createObjectNode()
                  .set(
                      "executable",
                      JSON.createObjectNode().put("command", "/usr/bin/touch " + ran)),
              "credential_source.environment_id (an AWS-sourced external account) is not supported",
              JSON.createObjectNode()
                  .put("environment_id", "aws1")
                  .put("region_url", attacker.url("/latest/meta-data/placement/availability-zone"))
                  .put("url", attacker.url("/latest/meta-data/iam/security-credentials"))
                  .put(
                      "regional_cred_verification_url",
                      "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15"),
              "credential_source.certificate is not supported",
              JSON.createObjectNode()
                  .set(
                      "certificate",
                      JSON.createObjectNode().put("use_default_certificate_config", true)));
      for (Map.Entry<String, ObjectNode> source : sources.entrySet()) {
        ObjectNode key = (ObjectNode) JSON.readTree(externalAccountKey(google, false));
        key.set("credential_source", source.getValue());
        secrets.put("gar-key", Map.of("key.json", key.toString()));

        refused(attacker, source.getKey());
      }
    }
    assertThat(ran).doesNotExist();
  }
}
