package io.regcred.provider.acr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.microsoft.aad.msal4j.MsalEnvironment;
import io.regcred.api.v1alpha1.AcrSource;
import io.regcred.api.v1alpha1.AcrSource.AzureCloud;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.config.OperatorConfig;
import io.regcred.it.LogCapture;
import io.regcred.model.RegistryAuth;
import io.regcred.model.RegistryToken;
import io.regcred.provider.AttackerHost;
import io.regcred.provider.InMemorySecrets;
import io.regcred.provider.ProviderHttp;
import io.regcred.provider.SourceException;
import io.regcred.provider.TestTls;
import io.regcred.testing.Credentials;
import io.regcred.testing.Ports;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcrTokenProviderTest {

  private static final Instant NOW = Instant.parse("2025-04-05T06:07:08Z");
  private static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  private static final String CLIENT_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
  private static final String CLIENT_SECRET = "cs-MARKER-4f1d9a";

  /** A projected service account token: MSAL4J parses the client assertion as a JWT. */
  private static final String FEDERATED_TOKEN =
      b64url("{\"alg\":\"RS256\",\"kid\":\"sa-key\",\"typ\":\"JWT\"}")
          + "."
          + b64url(
              "{\"aud\":[\"api://AzureADTokenExchange\"],\"exp\":4102444800,"
                  + "\"iss\":\"https://oidc.example/\",\"jti\":\"MARKER-7c2e\","
                  + "\"sub\":\"system:serviceaccount:regcred-system:regcred-operator\"}")
          + "."
          + b64url("signature-MARKER");

  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final InMemorySecrets secrets = new InMemorySecrets();
  private final List<String> messages = new ArrayList<>();
  private FakeEntra entra;
  private FakeAcr acr;

  @TempDir Path tmp;

  @BeforeEach
  void start() throws IOException {
    entra = new FakeEntra(TENANT, CLIENT_ID).acceptClientSecret(CLIENT_SECRET);
    acr = new FakeAcr(entra, TENANT, clock);
    secrets.put("acr-sp", Map.of("clientSecret", CLIENT_SECRET));
  }

  @AfterEach
  void stop() {
    acr.close();
    entra.close();
    // Canary: no secret, assertion or token ever reaches a message.
    List<String> forbidden = new ArrayList<>(List.of(CLIENT_SECRET, FEDERATED_TOKEN, "MARKER"));
    forbidden.addAll(acr.issued());
    entra.tokenForms().stream()
        .map(f -> f.get("client_secret"))
        .filter(v -> v != null && !v.isEmpty())
        .forEach(forbidden::add);
    acr.forms().stream()
        .map(f -> f.get("access_token"))
        .filter(v -> v != null && !v.isEmpty())
        .forEach(forbidden::add);
    for (String message : messages) {
      for (String secret : forbidden) {
        assertThat(message).doesNotContain(secret);
      }
    }
  }

  // ---- happy paths ------------------------------------------------------------------------------

  @Test
  void clientSecretEndToEnd() throws SourceException {
    RegistryToken token = provider(Map.of()).fetch(credential(spec(acr.server(), "acr-sp")));

    assertThat(token.auths()).hasSize(1);
    RegistryAuth auth = token.auths().get(0);
    assertThat(auth.server()).isEqualTo(acr.server());
    assertThat(auth.username()).isEqualTo("00000000-0000-0000-0000-000000000000");
    assertThat(auth.password()).isEqualTo(acr.issued().get(0));
    assertThat(token.issuedAt()).isEqualTo(NOW);
    assertThat(token.expiresAt()).contains(NOW.plus(Duration.ofHours(3)));
    assertThat(token.toString()).doesNotContain(auth.password());

    assertThat(entra.tokenCalls()).isEqualTo(1);
    assertThat(acr.exchangeCalls()).isEqualTo(1);
    assertThat(entra.unknownRequests()).isEmpty();
    Map<String, String> entraForm = entra.tokenForms().get(0);
    assertThat(entraForm)
        .containsEntry("grant_type", "client_credentials")
        .containsEntry("client_id", CLIENT_ID)
        .containsEntry("client_secret", CLIENT_SECRET);
    assertThat(FakeEntra.resourceScopes(entraForm.get("scope")))
        .containsExactly("https://containerregistry.azure.net/.default");
    Map<String, String> exchange = acr.forms().get(0);
    assertThat(exchange)
        .containsEntry("grant_type", "access_token")
        .containsEntry("service", "127.0.0.1")
        .containsEntry("tenant", TENANT);
    assertThat(entra.issued(exchange.get("access_token"))).isTrue();
  }

  @Test
  void oneEntraCallAndOneExchangePerFetch() throws SourceException {
    AcrTokenProvider provider = provider(Map.of());
    ClusterRegistryCredential credential = credential(spec(acr.server(), "acr-sp"));

    RegistryToken first = provider.fetch(credential);
    RegistryToken second = provider.fetch(credential);
    RegistryToken third = provider.fetch(credential);

    assertThat(entra.tokenCalls()).isEqualTo(3);
    assertThat(acr.exchangeCalls()).isEqualTo(3);
    assertThat(List.of(first, second, third))
        .extracting(t -> t.auths().get(0).password())
        .doesNotHaveDuplicates();
  }

  @Test
  void tenantAndClientComeFromTheEnvironmentWhenTheSpecHasNone() throws SourceException {
    AcrSource spec = spec(acr.server(), "acr-sp");
    spec.setTenantId(null);
    spec.setClientId(null);

    RegistryToken token =
        provider(Map.of("AZURE_TENANT_ID", TENANT, "AZURE_CLIENT_ID", CLIENT_ID))
            .fetch(credential(spec));

    assertThat(token.auths().get(0).password()).isEqualTo(acr.issued().get(0));
  }

  @Test
  void workloadIdentityReadsTheFederatedTokenFile() throws Exception {
    Path tokenFile = tmp.resolve("azure-identity-token");
    Files.writeString(tokenFile, FEDERATED_TOKEN);
    entra.acceptClientSecret(null).acceptAssertion(FEDERATED_TOKEN);
    AcrSource spec = spec(acr.server(), null);
    spec.setTenantId(null);
    spec.setClientId(null);
    // As the AKS workload identity webhook injects them; its authority host must not win over
    // the one chosen for the credential's cloud.
    Map<String, String> env =
        Map.of(
            "AZURE_TENANT_ID",
            TENANT,
            "AZURE_CLIENT_ID",
            CLIENT_ID,
            "AZURE_FEDERATED_TOKEN_FILE",
            tokenFile.toString(),
            "AZURE_AUTHORITY_HOST",
            "https://login.microsoftonline.com/");

    RegistryToken token = provider(env).fetch(credential(spec));

    assertThat(token.auths().get(0).password()).isEqualTo(acr.issued().get(0));
    assertThat(token.expiresAt()).contains(NOW.plus(Duration.ofHours(3)));
    Map<String, String> form = entra.tokenForms().get(0);
    assertThat(form)
        .containsEntry("client_assertion_type", FakeEntra.JWT_BEARER)
        .containsEntry("client_assertion", FEDERATED_TOKEN)
        .doesNotContainKey("client_secret");
    assertThat(entra.tokenCalls()).isEqualTo(1);
    assertThat(acr.exchangeCalls()).isEqualTo(1);
    assertThat(entra.unknownRequests()).isEmpty();
  }

  @Test
  void expiryIsReadFromTheExpClaim() throws SourceException {
    acr.lifetime(Duration.ofMinutes(17));

    RegistryToken token = provider(Map.of()).fetch(credential(spec(acr.server(), "acr-sp")));

    assertThat(token.expiresAt()).contains(NOW.plus(Duration.ofMinutes(17)));
  }

  @Test
  void aRefreshTokenWithoutExpIsAProviderError() {
    acr.omitExp(true);

    SourceException e = fetchFails(provider(Map.of()), spec(acr.server(), "acr-sp"));

    assertThat(e.reason()).isEqualTo("ProviderError");
    assertThat(e.getMessage()).contains("exp");
    assertThat(acr.issued()).hasSize(1);
  }

  @Test
  void anAlreadyExpiredRefreshTokenIsAProviderError() {
    acr.lifetime(Duration.ofSeconds(-5));

    SourceException e = fetchFails(provider(Map.of()), spec(acr.server(), "acr-sp"));

    assertThat(e.reason()).isEqualTo("ProviderError");
  }

  @Test
  void theAuthorityFollowsTheCloudUnlessOverridden() {
    AzureSettings defaults = new AzureSettings(Optional.empty(), Map.of());
    assertThat(defaults.authorityHost(null)).hasToString("https://login.microsoftonline.com/");
    assertThat(defaults.authorityHost(AzureCloud.AzurePublic))
        .hasToString("https://login.microsoftonline.com/");
    assertThat(defaults.authorityHost(AzureCloud.AzureChina))
        .hasToString("https://login.chinacloudapi.cn/");
    assertThat(defaults.authorityHost(AzureCloud.AzureUSGovernment))
        .hasToString("https://login.microsoftonline.us/");

    AzureSettings overridden =
        new AzureSettings(Optional.of(URI.create("https://login.example/")), Map.of());
    assertThat(overridden.authorityHost(AzureCloud.AzureChina))
        .hasToString("https://login.example/");
  }

  @Test
  void settingsKeepOnlyAzureVariablesAndNeverShowTheirValues() {
    AzureSettings settings =
        new AzureSettings(
            Optional.empty(),
            Map.of(
                "AZURE_TENANT_ID",
                TENANT,
                "AZURE_CLIENT_SECRET",
                CLIENT_SECRET,
                "AWS_SECRET_ACCESS_KEY",
                "aws-MARKER",
                "PATH",
                "/usr/bin"));

    assertThat(settings.env()).containsOnlyKeys("AZURE_TENANT_ID", "AZURE_CLIENT_SECRET");
    assertThat(settings.tenantId()).contains(TENANT);
    assertThat(settings.clientId()).isEmpty();
    assertThat(settings.toString()).doesNotContain(CLIENT_SECRET).doesNotContain(TENANT);
  }

  // ---- failures ---------------------------------------------------------------------------------

  @Test
  void aWrongClientSecretIsAccessDenied() {
    secrets.put("acr-sp", Map.of("clientSecret", "wrong-MARKER-secret"));

    SourceException e = fetchFails(provider(Map.of()), spec(acr.server(), "acr-sp"));

    assertThat(e.reason()).isEqualTo("AccessDenied");
    assertThat(e.getMessage())
        .contains("Entra ID token")
        .contains("invalid_client")
        .contains("401")
        .doesNotContain("wrong-MARKER-secret")
        .doesNotContain("AADSTS");
    assertThat(acr.exchangeCalls()).isZero();
  }

  @Test
  void noManagedIdentityAssignedIsCredentialUnavailable() throws IOException {
    try (var imds = new FakeImds();
        var msal =
            MsalEnvironment.of(
                Map.of("AZURE_POD_IDENTITY_AUTHORITY_HOST", imds.uri().toString()))) {

      SourceException e = fetchFails(provider(Map.of()), spec(acr.server(), null));

      assertThat(imds.unknownRequests()).isEmpty();
      assertThat(imds.tokenRequests())
          .as("IMDS was asked once, for the ACR audience as the client id")
          .hasSize(1)
          .allSatisfy(
              q ->
                  assertThat(q)
                      .contains("resource=https://containerregistry.azure.net")
                      .contains("client_id=" + CLIENT_ID));
      assertThat(e.reason()).isEqualTo("CredentialUnavailable");
      assertThat(e.getMessage())
          .contains("managed identity, client " + CLIENT_ID)
          .contains("no managed identity is assigned")
          .contains("HTTP 400")
          .doesNotContain("Identity not found");
      assertThat(entra.tokenCalls()).isZero();
      assertThat(acr.exchangeCalls()).isZero();
    }
  }

  @Test
  void anUnreachableManagedIdentityEndpointIsCredentialUnavailable() throws IOException {
    String closed = "http://127.0.0.1:" + closedPort();
    try (var msal = MsalEnvironment.of(Map.of("AZURE_POD_IDENTITY_AUTHORITY_HOST", closed))) {

      SourceException e = fetchFails(provider(Map.of()), spec(acr.server(), null));

      assertThat(e.reason()).isEqualTo("CredentialUnavailable");
      assertThat(e.getMessage())
          .contains("managed identity, client " + CLIENT_ID)
          .contains("no managed identity endpoint could be reached");
      assertThat(acr.exchangeCalls()).isZero();
    }
  }

  @Test
  void aWrongFederatedTokenIsAccessDenied() throws IOException {
    Path tokenFile = tmp.resolve("token");
    Files.writeString(tokenFile, FEDERATED_TOKEN);
    entra.acceptClientSecret(null).acceptAssertion("some-other-assertion");
    Map<String, String> env = Map.of("AZURE_FEDERATED_TOKEN_FILE", tokenFile.toString());

    SourceException e = fetchFails(provider(env), spec(acr.server(), null));

    assertThat(e.reason()).isEqualTo("AccessDenied");
    assertThat(e.getMessage()).contains("workload identity").contains("invalid_client");
  }

  @Test
  void aMissingFederatedTokenFileIsCredentialUnavailable() {
    Map<String, String> env =
        Map.of("AZURE_FEDERATED_TOKEN_FILE", tmp.resolve("absent").toString());

    SourceException e = fetchFails(provider(env), spec(acr.server(), null));

    assertThat(e.reason()).isEqualTo("CredentialUnavailable");
    assertThat(e.getMessage()).contains("absent").contains("NoSuchFileException");
    assertThat(entra.tokenCalls()).isZero();
  }

  @Test
  void entraServerErrorsAreProviderUnavailable() {
    entra.failWith(503);

    SourceException e = fetchFails(provider(Map.of()), spec(acr.server(), "acr-sp"));

    assertThat(e.reason()).isEqualTo("ProviderUnavailable");
    assertThat(acr.exchangeCalls()).isZero();
  }

  @Test
  void anUnreachableAuthorityIsProviderUnreachable() throws IOException {
    URI closed = URI.create("https://127.0.0.1:" + closedPort() + "/");
    AcrTokenProvider provider =
        new AcrTokenProvider(
            secrets,
            clock,
            new AzureSettings(Optional.of(closed), Map.of(), Set.of(acr.server())),
            http());

    SourceException e = fetchFails(provider, spec(acr.server(), "acr-sp"));

    assertThat(e.reason()).isEqualTo("ProviderUnreachable");
    assertThat(e.getMessage()).contains("Entra ID token");
  }

  @Test
  void exchangeRefusalIsAccessDenied() {
    acr.failWith(401);

    SourceException e = fetchFails(provider(Map.of()), spec(acr.server(), "acr-sp"));

    assertThat(e.reason()).isEqualTo("AccessDenied");
    assertThat(e.getMessage()).contains("ACR token exchange").contains("401");
  }

  @Test
  void exchangeForbiddenIsAccessDenied() {
    acr.failWith(403);

    assertThat(fetchFails(provider(Map.of()), spec(acr.server(), "acr-sp")).reason())
        .isEqualTo("AccessDenied");
  }

  @Test
  void exchangeServerErrorIsProviderUnavailable() {
    acr.failWith(500);

    SourceException e = fetchFails(provider(Map.of()), spec(acr.server(), "acr-sp"));

    assertThat(e.reason()).isEqualTo("ProviderUnavailable");
    assertThat(e.getMessage()).contains("ACR token exchange").contains("HTTP 500");
    assertThat(entra.tokenCalls()).isEqualTo(1);
    assertThat(acr.exchangeCalls()).isEqualTo(1);
  }

  @Test
  void aRefusedConnectionToTheRegistryIsProviderUnreachable() throws IOException {
    String server = "127.0.0.1:" + closedPort();

    SourceException e =
        fetchFails(provider(Map.of("REGCRED_ACR_ALLOWED_SERVERS", server)), spec(server, "acr-sp"));

    assertThat(e.reason()).isEqualTo("ProviderUnreachable");
    assertThat(e.getMessage()).contains("ACR token exchange").contains(server);
  }

  @Test
  void aSlowRegistryTimesOutAsProviderUnreachable() {
    acr.delay(Duration.ofSeconds(3));
    ProviderHttp quick = new ProviderHttp(TestTls.get().clientContext(), Duration.ofMillis(500));
    AcrTokenProvider provider =
        new AcrTokenProvider(
            secrets,
            clock,
            new AzureSettings(Optional.of(entra.authorityHost()), Map.of(), Set.of(acr.server())),
            quick);

    SourceException e = fetchFails(provider, spec(acr.server(), "acr-sp"));

    assertThat(e.reason()).isEqualTo("ProviderUnreachable");
    assertThat(e.getMessage()).contains("timed out after 500 ms");
  }

  // ---- no echo: of an error answer, only a known error code is shown ---------------------------

  /** Shaped like an OAuth (and, upper case, a registry) error code: only an allow list stops it. */
  private static final String CANARY = "canary_3f9a1c";

  private static final Map<String, String> CANARY_HEADERS =
      Map.of(
          "WWW-Authenticate",
          "Bearer realm=\"https://" + CANARY + "\",error=\"" + CANARY + "\"",
          "X-Ms-Request-Id",
          CANARY);

  @Test
  void errorAnswersAreNeverEchoed() {
    try (LogCapture logs = new LogCapture()) {
      entra.failWith(
          401,
          "{\"error\":\""
              + CANARY
              + "\",\"error_description\":\"AADSTS7000215: "
              + CANARY
              + "\",\"error_codes\":[7000215],\"trace_id\":\""
              + CANARY
              + "\"}",
          CANARY_HEADERS);
      SourceException entraRefusal = fetchFails(provider(Map.of()), spec(acr.server(), "acr-sp"));
      assertThat(entraRefusal.reason()).isEqualTo("AccessDenied");
      assertThat(entraRefusal.getMessage())
          .contains("HTTP 401")
          .doesNotContainIgnoringCase("canary");
      entra.failWith(0);

      String upper = CANARY.toUpperCase(java.util.Locale.ROOT);
      List<String> bodies =
          List.of(
              "{\"errors\":[{\"code\":\"" + upper + "\",\"message\":\"" + CANARY + "\"}]}",
              "{\"error\":\"" + CANARY + "\",\"error_description\":\"" + CANARY + "\"}",
              "<html>" + CANARY + "</html>");
      for (String body : bodies) {
        acr.failWith(401, body, CANARY_HEADERS);
        SourceException e = fetchFails(provider(Map.of()), spec(acr.server(), "acr-sp"));
        assertThat(e.reason()).isEqualTo("AccessDenied");
        assertThat(e.getMessage())
            .isEqualTo("ACR token exchange at " + acr.server() + " was refused: HTTP 401");
      }
      acr.failWith(
          403,
          "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"" + CANARY + "\"}]}",
          CANARY_HEADERS);
      assertThat(fetchFails(provider(Map.of()), spec(acr.server(), "acr-sp")).getMessage())
          .isEqualTo("ACR token exchange at " + acr.server() + " was refused: HTTP 403, DENIED");

      assertThat(messages).noneMatch(m -> m.toLowerCase(java.util.Locale.ROOT).contains("canary"));
      assertThat(logs.lines())
          .noneMatch(l -> l.toLowerCase(java.util.Locale.ROOT).contains("canary"));
    }
  }

  // ---- bounded response bodies ------------------------------------------------------------------

  @Test
  void anEndlessExchangeResponseFailsAfterTheBoundWithoutReadingOn() {
    acr.endlessBody(200, 0);

    SourceException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(10),
            () -> fetchFails(provider(Map.of()), spec(acr.server(), "acr-sp")));

    assertThat(e.reason()).isEqualTo("ProviderError");
    assertThat(e.getMessage())
        .isEqualTo(
            "ACR token exchange at " + acr.server() + " answered with a body larger than 64 KiB");
    assertThat(acr.endlessBytesWritten()).isLessThan(8L * 1024 * 1024);
  }

  @Test
  void anEndlessRefusalIsStillARefusal() {
    acr.endlessBody(401, 0);

    SourceException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(10),
            () -> fetchFails(provider(Map.of()), spec(acr.server(), "acr-sp")));

    assertThat(e.reason()).isEqualTo("AccessDenied");
    assertThat(e.getMessage())
        .isEqualTo("ACR token exchange at " + acr.server() + " was refused: HTTP 401");
    assertThat(acr.endlessBytesWritten()).isLessThan(8L * 1024 * 1024);
  }

  @Test
  void aTricklingExchangeResponseTimesOut() {
    acr.endlessBody(200, 20);
    ProviderHttp quick = new ProviderHttp(TestTls.get().clientContext(), Duration.ofMillis(500));
    AcrTokenProvider provider =
        new AcrTokenProvider(
            secrets,
            clock,
            new AzureSettings(Optional.of(entra.authorityHost()), Map.of(), Set.of(acr.server())),
            quick);

    SourceException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(10), () -> fetchFails(provider, spec(acr.server(), "acr-sp")));

    assertThat(e.reason()).isEqualTo("ProviderUnreachable");
    assertThat(e.getMessage())
        .isEqualTo("ACR token exchange at " + acr.server() + " timed out after 500 ms");
  }

  @Test
  void aMissingSecretIsSourceSecretNotFound() {
    SourceException e = fetchFails(provider(Map.of()), spec(acr.server(), "nope"));

    assertThat(e.reason()).isEqualTo("SourceSecretNotFound");
    assertThat(e.getMessage()).contains("regcred-system/nope");
    assertThat(entra.tokenCalls()).isZero();
  }

  @Test
  void aSecretWithoutClientSecretIsSourceSecretInvalid() {
    secrets.put("acr-sp", Map.of("password", CLIENT_SECRET));

    SourceException e = fetchFails(provider(Map.of()), spec(acr.server(), "acr-sp"));

    assertThat(e.reason()).isEqualTo("SourceSecretInvalid");
    assertThat(e.getMessage()).contains("clientSecret");
    assertThat(entra.tokenCalls()).isZero();
  }

  @Test
  void aClientSecretWithoutTenantIsCredentialUnavailable() {
    AcrSource spec = spec(acr.server(), "acr-sp");
    spec.setTenantId(null);

    SourceException e = fetchFails(provider(Map.of()), spec);

    assertThat(e.reason()).isEqualTo("CredentialUnavailable");
    assertThat(e.getMessage()).contains("AZURE_TENANT_ID");
  }

  // ---- no courier: the Entra token goes to the chosen cloud's registries only -----------------

  @Test
  void theEntraTokenIsNeverSentToAServerOutsideTheCloudsRegistries() throws IOException {
    try (AttackerHost attacker = AttackerHost.https()) {
      SourceException e = fetchFails(provider(Map.of()), spec(attacker.hostPort(), "acr-sp"));

      assertThat(e.reason()).isEqualTo("InvalidSpec");
      assertThat(e.getMessage())
          .isEqualTo(
              "spec.source.acr.server must be a registry of cloud AzurePublic"
                  + " (<name>.azurecr.io, no port or 443) or a server listed in"
                  + " REGCRED_ACR_ALLOWED_SERVERS");
      assertThat(attacker.requests()).as("requests to the attacker's host").isEmpty();
      assertThat(entra.tokenCalls()).as("no Entra token was even asked for").isZero();
    }
  }

  @Test
  void theRegistrySuffixFollowsTheCloud() {
    AcrSource china = spec("myregistry.azurecr.io", "acr-sp");
    china.setCloud(AzureCloud.AzureChina);

    SourceException e = fetchFails(provider(Map.of()), china);

    assertThat(e.reason()).isEqualTo("InvalidSpec");
    assertThat(e.getMessage()).contains("cloud AzureChina (<name>.azurecr.cn");
    assertThat(entra.tokenCalls()).isZero();
  }

  @Test
  void supportsOnlyAcrSources() {
    AcrTokenProvider provider = provider(Map.of());
    assertThat(provider.supports(credential(spec(acr.server(), "acr-sp")))).isTrue();

    ClusterRegistryCredential staticCredential =
        Credentials.named("acr").staticSource("x", null).build();
    assertThat(provider.supports(staticCredential)).isFalse();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** A provider configured as the operator would be from {@code env}, talking to the fakes. */
  private AcrTokenProvider provider(Map<String, String> env) {
    Map<String, String> all = new HashMap<>(env);
    all.put("REGCRED_AZURE_AUTHORITY_HOST", entra.authorityHost().toString());
    all.putIfAbsent("REGCRED_ACR_ALLOWED_SERVERS", acr.server());
    return new AcrTokenProvider(secrets, clock, OperatorConfig.fromEnv(all).azure(), http());
  }

  private static ProviderHttp http() {
    return TestTls.get().providerHttp();
  }

  private SourceException fetchFails(AcrTokenProvider provider, AcrSource spec) {
    SourceException e =
        catchThrowableOfType(SourceException.class, () -> provider.fetch(credential(spec)));
    assertThat(e).as("fetch should fail").isNotNull();
    messages.add(e.getMessage());
    return e;
  }

  private static String b64url(String text) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static int closedPort() {
    return Ports.freeLoopbackPort();
  }

  private static AcrSource spec(String server, String secretName) {
    return Credentials.acrSource(server, TENANT, CLIENT_ID, secretName);
  }

  private static ClusterRegistryCredential credential(AcrSource acr) {
    return Credentials.named("acr").acr(acr).build();
  }
}
