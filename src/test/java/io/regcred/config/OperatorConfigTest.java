package io.regcred.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.regcred.config.OperatorConfig.InvalidConfigurationException;
import io.regcred.config.OperatorConfig.Setting;
import io.regcred.provider.ecr.AwsEndpoints;
import io.regcred.provider.ecr.AwsIdentityEnv;
import io.regcred.provider.gar.GarSettings;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OperatorConfigTest {

  @Test
  void eachSettingHasItsDocumentedDefault() {
    var config = OperatorConfig.fromEnv(Map.of("REGCRED_NAMESPACE", "ops", "HOSTNAME", "pod-1"));
    assertThat(config.namespace()).isEqualTo("ops");
    assertThat(config.sourceNamespace()).isEqualTo("ops");
    assertThat(config.leaderElection()).isTrue();
    assertThat(config.leaseName()).isEqualTo("regcred-operator-leader");
    assertThat(config.leaderIdentity()).isEqualTo("pod-1");
    assertThat(config.reconcileThreads()).isEqualTo(4);
    assertThat(config.writeThreads()).isEqualTo(8);
    assertThat(config.httpPort()).isEqualTo(8080);
    assertThat(config.deniedNamespaces())
        .containsExactlyInAnyOrder("kube-system", "kube-public", "kube-node-lease");
    assertNoProviderOverrides(config);
  }

  @Test
  void namespacedCredentialsAreVerifiedOnlyAgainstPublicAddressesByDefault()
      throws UnknownHostException {
    var allowed = OperatorConfig.fromEnv(Map.of()).tenantVerifyAllowed();

    assertThat(allowed.permits(List.of(InetAddress.getByAddress(ip(8, 8, 8, 8))))).isTrue();
    assertThat(allowed.permits(List.of(InetAddress.getByAddress(ip(127, 0, 0, 1))))).isFalse();
    assertThat(allowed.lists("127.0.0.1", 5000)).isFalse();
  }

  private static byte[] ip(int a, int b, int c, int d) {
    return new byte[] {(byte) a, (byte) b, (byte) c, (byte) d};
  }

  @Test
  void theLeaderIdentityDefaultsToThePodNameThenTheHostName() {
    assertThat(
            OperatorConfig.fromEnv(Map.of("POD_NAME", "pod-a", "HOSTNAME", "host-a"))
                .leaderIdentity())
        .isEqualTo("pod-a");
    assertThat(OperatorConfig.fromEnv(Map.of("HOSTNAME", "host-a")).leaderIdentity())
        .isEqualTo("host-a");
  }

  @Test
  void blankProviderSettingsMeanNone() {
    var config =
        OperatorConfig.fromEnv(
            Map.of(
                "REGCRED_AWS_ECR_ENDPOINT", "  ",
                "REGCRED_AZURE_AUTHORITY_HOST", "",
                "REGCRED_ACR_ALLOWED_SERVERS", " ",
                "REGCRED_GAR_ALLOWED_CREDENTIAL_URLS", " ",
                "REGCRED_GAR_ALLOWED_CREDENTIAL_FILES", ""));
    assertNoProviderOverrides(config);
  }

  @Test
  void theDenyListCanBeChangedOrEmptied() {
    assertThat(OperatorConfig.fromEnv(Map.of("REGCRED_DENIED_NAMESPACES", "")).deniedNamespaces())
        .isEmpty();
    assertThat(
            OperatorConfig.fromEnv(Map.of("REGCRED_DENIED_NAMESPACES", "kube-system, payments"))
                .deniedNamespaces())
        .containsExactlyInAnyOrder("kube-system", "payments");
  }

  @Test
  void everySettingIsRead() throws UnknownHostException {
    Map<String, String> env = new HashMap<>();
    env.put("REGCRED_NAMESPACE", "ops");
    env.put("REGCRED_SOURCE_NAMESPACE", "secrets");
    env.put("REGCRED_LEADER_ELECTION", "false");
    env.put("REGCRED_LEASE_NAME", "lease");
    env.put("REGCRED_LEADER_IDENTITY", "me");
    env.put("REGCRED_RECONCILE_CONCURRENCY", "2");
    env.put("REGCRED_WRITE_CONCURRENCY", "32");
    env.put("REGCRED_HTTP_PORT", "0");
    env.put("REGCRED_DENIED_NAMESPACES", "kube-system,vault");
    env.put("REGCRED_TENANT_VERIFY_ALLOWED", " registry.internal, 127.0.0.1:5000 , 10.20.0.0/16,");
    env.put("REGCRED_LOG_LEVEL", "debug");
    env.put("REGCRED_LOG_FORMAT", "json");
    env.put("REGCRED_AWS_ECR_ENDPOINT", "https://vpce-1.api.ecr.eu-west-1.vpce.amazonaws.com");
    env.put("REGCRED_AWS_ECR_PUBLIC_ENDPOINT", "https://ecr-public.example:8443 ");
    env.put("REGCRED_AWS_STS_ENDPOINT", "http://127.0.0.1:4566");
    env.put("REGCRED_AZURE_AUTHORITY_HOST", "https://login.example/");
    env.put("REGCRED_ACR_ALLOWED_SERVERS", " registry.example.com, acr-proxy.example.com:8443 ,");
    env.put(
        "REGCRED_GAR_ALLOWED_CREDENTIAL_URLS",
        "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01,"
            + " https://token.example/oidc ,");
    env.put(
        "REGCRED_GAR_ALLOWED_CREDENTIAL_FILES",
        "/var/run/secrets/tokens/gcp-token, /etc/workload/token");
    assertThat(env.keySet())
        .as("this test sets every setting")
        .containsExactlyInAnyOrderElementsOf(
            List.of(Setting.values()).stream().map(Setting::variable).toList());

    var config = OperatorConfig.fromEnv(env);

    assertThat(config.namespace()).isEqualTo("ops");
    assertThat(config.sourceNamespace()).isEqualTo("secrets");
    assertThat(config.leaderElection()).isFalse();
    assertThat(config.leaseName()).isEqualTo("lease");
    assertThat(config.leaderIdentity()).isEqualTo("me");
    assertThat(config.reconcileThreads()).isEqualTo(2);
    assertThat(config.writeThreads()).isEqualTo(32);
    assertThat(config.httpPort()).isZero();
    assertThat(config.deniedNamespaces()).containsExactlyInAnyOrder("kube-system", "vault");
    assertThat(config.tenantVerifyAllowed().lists("registry.internal", 443)).isTrue();
    assertThat(config.tenantVerifyAllowed().lists("127.0.0.1", 5000)).isTrue();
    assertThat(
            config
                .tenantVerifyAllowed()
                .permits(List.of(InetAddress.getByAddress(ip(10, 20, 3, 4)))))
        .isTrue();
    assertThat(config.aws())
        .isEqualTo(
            new AwsEndpoints(
                Optional.of(URI.create("https://vpce-1.api.ecr.eu-west-1.vpce.amazonaws.com")),
                Optional.of(URI.create("https://ecr-public.example:8443")),
                Optional.of(URI.create("http://127.0.0.1:4566"))));
    assertThat(config.azure().authorityHost()).contains(URI.create("https://login.example/"));
    assertThat(config.azure().allowedServers())
        .containsExactlyInAnyOrder("registry.example.com", "acr-proxy.example.com:8443");
    assertThat(config.gar().allowedCredentialUrls())
        .containsExactly(
            "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01",
            "https://token.example/oidc");
    assertThat(config.gar().allowedCredentialFiles())
        .containsExactly(
            Path.of("/var/run/secrets/tokens/gcp-token"), Path.of("/etc/workload/token"));
  }

  @Test
  void theCloudsIdentityVariablesReachTheProvidersAndTheirValuesNeverShow() {
    var config =
        OperatorConfig.fromEnv(
            Map.of(
                "AZURE_TENANT_ID", "tenant-1",
                "AZURE_CLIENT_SECRET", "cs-MARKER",
                "AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/puller",
                "AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN", "aws-MARKER"));

    assertThat(config.azure().tenantId()).contains("tenant-1");
    assertThat(config.awsIdentity().source()).isEqualTo(AwsIdentityEnv.Source.WEB_IDENTITY);
    assertThat(config.toString()).doesNotContain("MARKER");
  }

  @Test
  void badValuesAreAllReportedTogetherOneLineEachWithoutTheValue() {
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("REGCRED_NAMESPACE", "Ops_MARKER");
    bad.put("REGCRED_LEADER_ELECTION", "maybe");
    bad.put("REGCRED_WRITE_CONCURRENCY", "0");
    bad.put("REGCRED_RECONCILE_CONCURRENCY", "four");
    bad.put("REGCRED_HTTP_PORT", "http");
    bad.put("REGCRED_DENIED_NAMESPACES", "kube-system,Not_A_MARKER");
    bad.put("REGCRED_TENANT_VERIFY_ALLOWED", "10.0.0.0/8,https://MARKER.internal");
    bad.put("REGCRED_LOG_FORMAT", "yaml");
    bad.put("REGCRED_AWS_STS_ENDPOINT", "sts-MARKER.example");
    bad.put("REGCRED_AZURE_AUTHORITY_HOST", "http://login-MARKER.example/");
    bad.put("REGCRED_ACR_ALLOWED_SERVERS", "registry.example.com,https://proxy-MARKER.example");
    bad.put("REGCRED_GAR_ALLOWED_CREDENTIAL_URLS", "file:///var/run/MARKER");
    bad.put("REGCRED_GAR_ALLOWED_CREDENTIAL_FILES", "relative/MARKER");

    var e =
        catchThrowableOfType(
            InvalidConfigurationException.class, () -> OperatorConfig.fromEnv(bad));

    assertThat(e.problems())
        .containsExactly(
            "REGCRED_NAMESPACE: not of that form; accepts a namespace name",
            "REGCRED_LEADER_ELECTION: not a boolean; accepts true or false",
            "REGCRED_RECONCILE_CONCURRENCY: not an integer; accepts an integer from 1 to 64",
            "REGCRED_WRITE_CONCURRENCY: out of range; accepts an integer from 1 to 128",
            "REGCRED_HTTP_PORT: not an integer; accepts a port from 0 to 65535",
            "REGCRED_DENIED_NAMESPACES: item 2 is not of that form; accepts a comma-separated list"
                + " of namespace names (empty to deny none)",
            "REGCRED_TENANT_VERIFY_ALLOWED: item 2 is not a host, host:port, address or network;"
                + " accepts "
                + Setting.TENANT_VERIFY_ALLOWED.accepts(),
            "REGCRED_LOG_FORMAT: not a log format; accepts text or json",
            "REGCRED_AWS_STS_ENDPOINT: not an absolute http or https URI; accepts an absolute"
                + " http or https URI, such as https://vpce-0123.sts.example",
            "REGCRED_AZURE_AUTHORITY_HOST: not an absolute https URI; accepts an absolute https"
                + " URI, such as https://login.microsoftonline.com/",
            "REGCRED_ACR_ALLOWED_SERVERS: item 2 is not a lower-case host[:port]; accepts "
                + Setting.ACR_ALLOWED_SERVERS.accepts(),
            "REGCRED_GAR_ALLOWED_CREDENTIAL_URLS: item 1 is not an absolute http or https URL"
                + " without user info or fragment; accepts "
                + Setting.GAR_ALLOWED_CREDENTIAL_URLS.accepts(),
            "REGCRED_GAR_ALLOWED_CREDENTIAL_FILES: item 1 is not an absolute path without '.',"
                + " '..' or repeated '/'; accepts "
                + Setting.GAR_ALLOWED_CREDENTIAL_FILES.accepts());
    assertThat(e.getMessage().lines().skip(1).map(String::strip).toList()).isEqualTo(e.problems());
    assertThat(e.getMessage()).doesNotContain("MARKER", "maybe", "four", "yaml");
  }

  @ParameterizedTest
  @ValueSource(strings = {"api.ecr.example", "ftp://x.example", "https://", "http://a b"})
  void awsEndpointsMustBeHttpUris(String value) {
    for (String variable :
        List.of(
            "REGCRED_AWS_ECR_ENDPOINT",
            "REGCRED_AWS_ECR_PUBLIC_ENDPOINT",
            "REGCRED_AWS_STS_ENDPOINT")) {
      assertThat(problems(Map.of(variable, value))).singleElement().asString().startsWith(variable);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://registry.example.com",
        "Registry.example.com",
        "x@r.example",
        "r.example:70000",
        "localhost"
      })
  void acrAllowedServersMustBeLowerCaseHostPort(String value) {
    assertThat(problems(Map.of("REGCRED_ACR_ALLOWED_SERVERS", value)))
        .containsExactly(
            "REGCRED_ACR_ALLOWED_SERVERS: item 1 is not a lower-case host[:port]; accepts "
                + Setting.ACR_ALLOWED_SERVERS.accepts());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "relative/token",
        "/var/run/secrets/../token",
        "/var/run/./token",
        "/var/run//token",
        "/var/run/token/"
      })
  void garCredentialFilesMustBeAbsoluteAndNormalised(String value) {
    assertThat(problems(Map.of("REGCRED_GAR_ALLOWED_CREDENTIAL_FILES", value)))
        .singleElement()
        .asString()
        .startsWith("REGCRED_GAR_ALLOWED_CREDENTIAL_FILES: item 1 is not an absolute path");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "file:///var/run/token",
        "/metadata/token",
        "https://user@token.example/",
        "https://token.example/#x",
        "ftp://token.example/",
        "http://a b/"
      })
  void garCredentialUrlsMustBeHttpWithoutUserInfoOrFragment(String value) {
    assertThat(problems(Map.of("REGCRED_GAR_ALLOWED_CREDENTIAL_URLS", value)))
        .singleElement()
        .asString()
        .startsWith("REGCRED_GAR_ALLOWED_CREDENTIAL_URLS: item 1 is not a")
        .doesNotContain(value);
  }

  @Test
  void logSettingsAreCheckedAsLogbackReadsThem() {
    assertThat(problems(Map.of("REGCRED_LOG_LEVEL", "warn", "REGCRED_LOG_FORMAT", "text")))
        .isEmpty();
    assertThat(problems(Map.of("REGCRED_LOG_LEVEL", "verbose", "REGCRED_LOG_FORMAT", "JSON")))
        .containsExactly(
            "REGCRED_LOG_LEVEL: not a log level; accepts one of TRACE, DEBUG, INFO, WARN, ERROR,"
                + " OFF, ALL",
            "REGCRED_LOG_FORMAT: not a log format; accepts text or json");
  }

  @Test
  void emptyNamesAreRefused() {
    assertThat(
            problems(
                Map.of(
                    "REGCRED_SOURCE_NAMESPACE", "",
                    "REGCRED_LEASE_NAME", " ",
                    "REGCRED_LEADER_IDENTITY", "")))
        .containsExactly(
            "REGCRED_SOURCE_NAMESPACE: empty; accepts a namespace name",
            "REGCRED_LEASE_NAME: empty; accepts a DNS-1123 subdomain",
            "REGCRED_LEADER_IDENTITY: empty; accepts any non-blank text");
  }

  /** The providers' defaults: no endpoint or authority overrides, nothing allowed beyond them. */
  private static void assertNoProviderOverrides(OperatorConfig config) {
    assertThat(config.aws()).isEqualTo(AwsEndpoints.none());
    assertThat(config.azure().authorityHost()).isEmpty();
    assertThat(config.azure().allowedServers()).isEmpty();
    assertThat(config.gar()).isEqualTo(GarSettings.none());
  }

  private static List<String> problems(Map<String, String> env) {
    try {
      OperatorConfig.fromEnv(env);
      return List.of();
    } catch (InvalidConfigurationException e) {
      return e.problems();
    }
  }
}
