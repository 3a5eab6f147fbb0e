package io.regcred.provider.gar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which key.json configurations may be used, with Google's endpoints pinned as in production. */
class GoogleCredentialPolicyTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN_FILE = "/var/run/secrets/tokens/gcp-token";
  private static final String METADATA_URL =
      "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01"
          + "&resource=api://gcp";
  private static final String IMPERSONATION =
      "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/"
          + "puller@my-project.iam.gserviceaccount.com:generateAccessToken";

  /** Real paths as a kubelet-projected volume has them: the file is a link into a dated dir. */
  private static final Map<String, String> REAL_PATHS =
      Map.of(
          TOKEN_FILE,
          "/var/lib/kubelet/pods/p/volumes/tokens/..2025_04_05/gcp-token",
          "/run/secrets/tokens/gcp-token",
          "/var/lib/kubelet/pods/p/volumes/tokens/..2025_04_05/gcp-token",
          "/var/run/secrets/tokens/sa-token",
          "/var/run/secrets/kubernetes.io/serviceaccount/token");

  private static final GoogleCredentialPolicy POLICY =
      new GoogleCredentialPolicy(
          GoogleEndpoints.google(),
          new GarSettings(List.of(METADATA_URL), List.of(Path.of(TOKEN_FILE))),
          path -> Optional.ofNullable(REAL_PATHS.get(path.toString())).map(Path::of));

  /** A key as the Cloud console and gcloud make it. */
  static ObjectNode serviceAccountKey() {
    ObjectNode key = JSON.createObjectNode();
    key.put("type", "service_account");
    key.put("project_id", "my-project");
    key.put("private_key_id", "0123456789abcdef");
    key.put("private_key", "-----BEGIN PRIVATE KEY-----\nMII...\n-----END PRIVATE KEY-----\n");
    key.put("client_email", "puller@my-project.iam.gserviceaccount.com");
    key.put("client_id", "123456789012345678901");
    key.put("auth_uri", "https://accounts.google.com/o/oauth2/auth");
    key.put("token_uri", "https://oauth2.googleapis.com/token");
    key.put("auth_provider_x509_cert_url", "https://www.googleapis.com/oauth2/v1/certs");
    key.put("client_x509_cert_url", "https://www.googleapis.com/robot/v1/metadata/x509/puller");
    key.put("universe_domain", "googleapis.com");
    return key;
  }

  /** A configuration as {@code gcloud iam workload-identity-pools create-cred-config} makes it. */
  static ObjectNode externalAccount() {
    ObjectNode config = JSON.createObjectNode();
    config.put("universe_domain", "googleapis.com");
    config.put("type", "external_account");
    config.put(
        "audience",
        "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/k8s/providers/c");
    config.put("subject_token_type", "urn:ietf:params:oauth:token-type:jwt");
    config.put("token_url", "https://sts.googleapis.com/v1/token");
    ObjectNode source = config.putObject("credential_source");
    source.put("file", TOKEN_FILE);
    source.putObject("format").put("type", "text");
    config.put("service_account_impersonation_url", IMPERSONATION);
    return config;
  }

  private static ObjectNode urlSourced() {
    ObjectNode config = externalAccount();
    ObjectNode source = config.putObject("credential_source");
    source.put("url", METADATA_URL);
    source.putObject("headers").put("Metadata", "true");
    source.putObject("format").put("type", "json").put("subject_token_field_name", "access_token");
    return config;
  }

  private static Arguments sa(String name, Consumer<ObjectNode> change) {
    ObjectNode key = serviceAccountKey();
    change.accept(key);
    return Arguments.of(name, key);
  }

  private static Arguments ea(String name, Consumer<ObjectNode> change) {
    ObjectNode config = externalAccount();
    change.accept(config);
    return Arguments.of(name, config);
  }

  private static Arguments source(String name, Consumer<ObjectNode> change) {
    ObjectNode config = externalAccount();
    change.accept((ObjectNode) config.get("credential_source"));
    return Arguments.of(name, config);
  }

  static Stream<Arguments> accepted() {
    return Stream.of(
        sa("service-account key", k -> {}),
        sa("without universe_domain", k -> k.remove("universe_domain")),
        sa(
            "legacy token_uri",
            k -> k.put("token_uri", "https://accounts.google.com/o/oauth2/token")),
        ea("external account with impersonation", c -> {}),
        ea("without impersonation", c -> c.remove("service_account_impersonation_url")),
        ea("v1beta token_url", c -> c.put("token_url", "https://sts.googleapis.com/v1beta/token")),
        ea(
            "token_info_url",
            c -> c.put("token_info_url", "https://sts.googleapis.com/v1/introspect")),
        ea(
            "impersonation by unique id in a project",
            c ->
                c.put(
                    "service_account_impersonation_url",
                    "https://iamcredentials.googleapis.com/v1/projects/my-project/serviceAccounts/"
                        + "109876543210987654321:generateAccessToken")),
        ea(
            "impersonation lifetime",
            c -> c.putObject("service_account_impersonation").put("token_lifetime_seconds", 600)),
        Arguments.of("URL-sourced, listed", urlSourced()),
        source(
            "file by another path to the same real file",
            s -> s.put("file", "/run/secrets/tokens/gcp-token")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("accepted")
  void accepts(String name, JsonNode config) {
    assertThat(POLICY.violation(config)).isEmpty();
  }

  static Stream<Arguments> rejected() {
    return Stream.of(
        Arguments.of("not an object", JSON.createArrayNode(), "is not a JSON object"),
        withMessage(
            sa("no type", k -> k.remove("type")),
            "has no type; supported are service_account and external_account"),
        typed("authorized_user", "has type authorized_user"),
        typed("impersonated_service_account", "has type impersonated_service_account"),
        typed("external_account_authorized_user", "has type external_account_authorized_user"),
        typed("gdch_service_account", "has type gdch_service_account"),
        typed("Evil Type <x>", "has an unknown type"),
        // service-account keys
        withMessage(
            sa("token_uri elsewhere", k -> k.put("token_uri", "https://attacker.example/token")),
            "token_uri must be one of https://accounts.google.com/o/oauth2/token, https://oauth2.googleapis.com/token"),
        withMessage(sa("token_uri absent", k -> k.remove("token_uri")), "token_uri must be"),
        withMessage(
            sa(
                "token_uri over http",
                k -> k.put("token_uri", "http://oauth2.googleapis.com/token")),
            "token_uri must be"),
        withMessage(
            sa(
                "token_uri with a port",
                k -> k.put("token_uri", "https://oauth2.googleapis.com:8443/token")),
            "token_uri must be"),
        withMessage(
            sa(
                "token_uri with user info",
                k -> k.put("token_uri", "https://oauth2.googleapis.com@attacker.example/token")),
            "token_uri must be"),
        withMessage(
            sa(
                "token_uri a suffix trick",
                k -> k.put("token_uri", "https://oauth2.googleapis.com.attacker.example/token")),
            "token_uri must be"),
        withMessage(
            sa(
                "token_uri not a string",
                k -> k.putArray("token_uri").add("https://oauth2.googleapis.com/token")),
            "token_uri must be"),
        withMessage(
            sa("universe_domain elsewhere", k -> k.put("universe_domain", "attacker.example")),
            "universe_domain must be googleapis.com or absent"),
        withMessage(
            sa("an unknown field", k -> k.put("token_url", "https://attacker.example/")),
            "has the field token_url that the operator does not accept in a service_account key"),
        withMessage(
            sa("an unknown field with an odd name", k -> k.put("Token-URI!", "x")),
            "has a field that the operator does not accept"),
        // external accounts: where tokens go
        withMessage(
            ea("universe_domain elsewhere", c -> c.put("universe_domain", "attacker.example")),
            "universe_domain must be googleapis.com or absent"),
        withMessage(
            ea(
                "universe_domain with user info",
                c -> {
                  c.remove("token_url");
                  c.put("universe_domain", "x@127.0.0.1:8443");
                }),
            "universe_domain must be googleapis.com or absent"),
        withMessage(
            ea("token_url absent", c -> c.remove("token_url")),
            "token_url must be one of https://sts.googleapis.com/v1/token, https://sts.googleapis.com/v1beta/token"),
        withMessage(
            ea(
                "token_url elsewhere",
                c -> c.put("token_url", "https://sts.attacker.example/v1/token")),
            "token_url must be"),
        withMessage(
            ea(
                "token_url another googleapis host",
                c -> c.put("token_url", "https://storage.googleapis.com/v1/token")),
            "token_url must be"),
        withMessage(
            ea(
                "token_url with a query",
                c -> c.put("token_url", "https://sts.googleapis.com/v1/token?x=1")),
            "token_url must be"),
        withMessage(
            ea(
                "token_info_url elsewhere",
                c -> c.put("token_info_url", "https://attacker.example/introspect")),
            "token_info_url must be absent or one of https://sts.googleapis.com/v1/introspect"),
        withMessage(
            ea(
                "impersonation elsewhere",
                c ->
                    c.put(
                        "service_account_impersonation_url",
                        "https://attacker.example/v1/projects/-/serviceAccounts/a@b.iam.gserviceaccount.com:generateAccessToken")),
            "service_account_impersonation_url must be absent or https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/<service account email>:generateAccessToken"),
        withMessage(
            ea(
                "impersonation with user info",
                c ->
                    c.put(
                        "service_account_impersonation_url",
                        "https://iamcredentials.googleapis.com@attacker.example/v1/projects/-/serviceAccounts/a@b.c:generateAccessToken")),
            "service_account_impersonation_url must be"),
        withMessage(
            ea(
                "impersonation with a query",
                c ->
                    c.put(
                        "service_account_impersonation_url",
                        IMPERSONATION + "?next=https://attacker.example")),
            "service_account_impersonation_url must be"),
        withMessage(
            ea(
                "impersonation with another path",
                c ->
                    c.put(
                        "service_account_impersonation_url",
                        "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/a@b.c:generateIdToken")),
            "service_account_impersonation_url must be"),
        withMessage(
            ea(
                "impersonation with a port",
                c ->
                    c.put(
                        "service_account_impersonation_url",
                        IMPERSONATION.replace("googleapis.com/", "googleapis.com:8443/"))),
            "service_account_impersonation_url must be"),
        withMessage(
            ea(
                "impersonation options unknown",
                c -> c.putObject("service_account_impersonation").put("url", "x")),
            "service_account_impersonation may only hold token_lifetime_seconds"),
        withMessage(
            ea("an unknown field", c -> c.put("subject_token_url", "https://attacker.example")),
            "has the field subject_token_url that the operator does not accept in an external_account configuration"),
        // external accounts: what is read
        withMessage(
            ea("no credential_source", c -> c.remove("credential_source")),
            "credential_source must be an object with file or url"),
        withMessage(
            source(
                "file not listed",
                s -> s.put("file", "/var/run/secrets/kubernetes.io/serviceaccount/token")),
            "credential_source.file must be a file listed in REGCRED_GAR_ALLOWED_CREDENTIAL_FILES"),
        withMessage(
            source(
                "file through ..",
                s -> s.put("file", "/var/run/secrets/tokens/../../../etc/shadow")),
            "credential_source.file must be a file listed"),
        withMessage(
            source(
                "listed file through ..",
                s -> s.put("file", "/var/run/secrets/tokens/../tokens/gcp-token")),
            "credential_source.file must be a file listed"),
        withMessage(
            source("relative file", s -> s.put("file", "gcp-token")),
            "credential_source.file must be a file listed"),
        withMessage(
            source(
                "file whose real path is another file",
                s -> s.put("file", "/var/run/secrets/tokens/sa-token")),
            "credential_source.file must be a file listed"),
        withMessage(
            source("file not a string", s -> s.putObject("file")),
            "credential_source.file must be a file listed"),
        withMessage(
            source(
                "url not listed",
                s -> {
                  s.remove("file");
                  s.put(
                      "url",
                      "http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token");
                }),
            "credential_source.url must be a URL listed in REGCRED_GAR_ALLOWED_CREDENTIAL_URLS"),
        withMessage(
            source(
                "url listed but for another query",
                s -> {
                  s.remove("file");
                  s.put("url", METADATA_URL + "&x=1");
                }),
            "credential_source.url must be a URL listed"),
        withMessage(
            source("file and url", s -> s.put("url", METADATA_URL)),
            "credential_source must name exactly one of file and url"),
        withMessage(
            source(
                "executable",
                s -> {
                  s.remove("file");
                  s.putObject("executable").put("command", "/bin/sh -c id");
                }),
            "credential_source.executable is not supported"),
        withMessage(
            source(
                "AWS",
                s -> {
                  s.remove("file");
                  s.put("environment_id", "aws1");
                  s.put(
                      "region_url",
                      "http://169.254.169.254/latest/meta-data/placement/availability-zone");
                  s.put(
                      "regional_cred_verification_url",
                      "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15");
                }),
            "credential_source.environment_id (an AWS-sourced external account) is not supported"),
        withMessage(
            source(
                "certificate",
                s -> {
                  s.remove("file");
                  s.putObject("certificate").put("use_default_certificate_config", true);
                }),
            "credential_source.certificate is not supported"),
        withMessage(
            source("headers with a file", s -> s.putObject("headers").put("a", "b")),
            "has the field headers that the operator does not accept in credential_source with file"),
        withMessage(
            source("an unknown source field", s -> s.put("region_url", "http://attacker.example")),
            "has the field region_url"),
        withMessage(
            source("format unknown field", s -> s.putObject("format").put("url", "x")),
            "credential_source.format may only hold type and subject_token_field_name"));
  }

  private static Arguments typed(String type, String message) {
    ObjectNode key = serviceAccountKey();
    key.put("type", type);
    return Arguments.of("type " + type, key, message);
  }

  private static Arguments withMessage(Arguments config, String message) {
    return Arguments.of(config.get()[0], config.get()[1], message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejected")
  void rejects(String name, JsonNode config, String message) {
    assertThat(POLICY.violation(config))
        .hasValueSatisfying(v -> assertThat(v).startsWith("key.json ").contains(message));
  }

  @Test
  void headersMustBeStrings() {
    ObjectNode config = urlSourced();
    ((ObjectNode) config.get("credential_source").get("headers")).putObject("Metadata");

    assertThat(POLICY.violation(config))
        .contains("key.json credential_source.headers must map names to strings");
  }

  @Test
  void messagesNeverQuoteTheConfiguration() {
    String canary = "attacker-canary-7d1e";
    List<ObjectNode> configs =
        List.of(
            serviceAccountKey().put("token_uri", "https://" + canary + "/token"),
            serviceAccountKey().put("universe_domain", canary),
            serviceAccountKey().put("type", canary),
            externalAccount().put("token_url", "https://" + canary),
            externalAccount().put("service_account_impersonation_url", "https://" + canary),
            externalAccount().put(canary.replace('-', '_'), "x"));
    ObjectNode file = externalAccount();
    ((ObjectNode) file.get("credential_source")).put("file", "/" + canary);
    ObjectNode url = urlSourced();
    ((ObjectNode) url.get("credential_source")).put("url", "http://" + canary);

    for (ObjectNode config : Stream.concat(configs.stream(), Stream.of(file, url)).toList()) {
      assertThat(POLICY.violation(config)).isPresent().get().asString().doesNotContain("canary");
    }
  }

  @Test
  void nothingIsListedByDefault() {
    GoogleCredentialPolicy strict =
        new GoogleCredentialPolicy(
            GoogleEndpoints.google(), GarSettings.none(), GoogleCredentialPolicy.FILE_SYSTEM);

    assertThat(strict.violation(externalAccount()))
        .contains(
            "key.json credential_source.file must be a file listed in"
                + " REGCRED_GAR_ALLOWED_CREDENTIAL_FILES (none is listed)");
    assertThat(strict.violation(urlSourced()))
        .contains(
            "key.json credential_source.url must be a URL listed in"
                + " REGCRED_GAR_ALLOWED_CREDENTIAL_URLS (none is listed)");
    assertThat(strict.violation(serviceAccountKey())).isEmpty();
  }
}
