package io.regcred.config;

import io.regcred.api.v1alpha1.Validation;
import io.regcred.model.AddressRule;
import io.regcred.provider.acr.AzureSettings;
import io.regcred.provider.ecr.AwsEndpoints;
import io.regcred.provider.ecr.AwsIdentityEnv;
import io.regcred.provider.gar.GarSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The operator's settings, the operator's own and its providers', parsed from the environment in
 * one place: {@link #fromEnv} is the only reader of {@code REGCRED_*} variables, and every one of
 * them is a {@link Setting}. A bad value fails start-up with one line per bad setting.
 *
 * @param namespace the namespace the operator runs in: Events and the leader Lease live here
 * @param sourceNamespace the only namespace source Secrets are read from
 * @param leaderElection whether to take a Lease before reconciling
 * @param leaseName name of the Lease
 * @param leaderIdentity this replica's name in the Lease (the pod name in a cluster)
 * @param reconcileThreads credentials reconciled at once
 * @param writeThreads namespaces written at once within one credential
 * @param httpPort port of the health (and metrics) endpoints; 0 disables them
 * @param deniedNamespaces namespaces no credential ever writes into, whatever its names or selector
 *     say
 * @param tenantVerifyAllowed the registries and token endpoints at non-public addresses that
 *     namespaced credentials may be verified against
 * @param aws endpoint overrides of the ECR provider
 * @param awsIdentity the AWS variables that choose the operator's own AWS identity
 * @param azure the ACR provider's authority override, allowed servers and Azure identity variables
 * @param gar the files and URLs an external-account {@code key.json} may read its token from
 */
public record OperatorConfig(
    String namespace,
    String sourceNamespace,
    boolean leaderElection,
    String leaseName,
    String leaderIdentity,
    int reconcileThreads,
    int writeThreads,
    int httpPort,
    Set<String> deniedNamespaces,
    AddressRule tenantVerifyAllowed,
    AwsEndpoints aws,
    AwsIdentityEnv awsIdentity,
    AzureSettings azure,
    GarSettings gar) {

  /** The cluster's own namespaces: a pull secret has no business there unless an admin says so. */
  public static final Set<String> DEFAULT_DENIED_NAMESPACES =
      Set.of("kube-system", "kube-public", "kube-node-lease");

  /**
   * Every environment variable the operator reads, with its default and meaning as the README's
   * table of settings says (a test holds the table to this), and what it accepts.
   */
  public enum Setting {
    NAMESPACE(
        "the pod's namespace, else `regcred-system`",
        "where the leader Lease lives",
        "a namespace name"),
    SOURCE_NAMESPACE(
        "`REGCRED_NAMESPACE`",
        "the only namespace ClusterRegistryCredentials' source Secrets are read from (a"
            + " namespaced RegistryCredential reads its own namespace's)",
        "a namespace name"),
    LEADER_ELECTION("`true`", "take a Lease before reconciling", "true or false"),
    LEASE_NAME("`regcred-operator-leader`", "Lease name", "a DNS-1123 subdomain"),
    LEADER_IDENTITY(
        "`POD_NAME`, else `HOSTNAME`", "this replica's name in the Lease", "any non-blank text"),
    RECONCILE_CONCURRENCY("`4`", "credentials reconciled at once", "an integer from 1 to 64"),
    WRITE_CONCURRENCY(
        "`8`", "namespaces written at once per credential", "an integer from 1 to 128"),
    HTTP_PORT(
        "`8080`", "`/healthz`, `/readyz` and `/metrics`; `0` disables", "a port from 0 to 65535"),
    DENIED_NAMESPACES(
        "`kube-system,kube-public,kube-node-lease`",
        "namespaces no credential writes into, whatever its names or selector say, and where a"
            + " namespaced RegistryCredential does nothing (as in the operator's own and source"
            + " namespaces); comma-separated, empty denies none",
        "a comma-separated list of namespace names (empty to deny none)"),
    TENANT_VERIFY_ALLOWED(
        "empty",
        "comma-separated `host`, `host:port`, address or CIDR network that namespaced credentials"
            + " may be verified against although not public (loopback, private, link-local,"
            + " shared): in-cluster or on-premises registries",
        "a comma-separated list of host names, host:port (IPv6 in brackets), IP addresses or"
            + " CIDR networks, such as registry.internal, 127.0.0.1:5000 or 10.20.0.0/16"),
    LOG_LEVEL(
        "`INFO`",
        "level of the operator's own loggers; `INFO` logs a line per pass of a credential"
            + " (namespaces examined, synced, failed, writes made), `DEBUG` also a line per Secret"
            + " and ServiceAccount written",
        "one of TRACE, DEBUG, INFO, WARN, ERROR, OFF, ALL"),
    LOG_FORMAT(
        "`text` (`json` in the image)",
        "`json`: one object per line, with the credential in `mdc`",
        "text or json"),
    AWS_ECR_ENDPOINT(
        "unset",
        "private (VPC, FIPS) endpoint of ECR",
        "an absolute http or https URI, such as https://vpce-0123.ecr.example"),
    AWS_ECR_PUBLIC_ENDPOINT(
        "unset",
        "private endpoint of ECR Public",
        "an absolute http or https URI, such as https://vpce-0123.ecr.example"),
    AWS_STS_ENDPOINT(
        "unset",
        "private endpoint of STS (AssumeRole, IRSA's AssumeRoleWithWebIdentity)",
        "an absolute http or https URI, such as https://vpce-0123.sts.example"),
    AZURE_AUTHORITY_HOST(
        "per `spec.source.acr.cloud`",
        "Entra ID authority override",
        "an absolute https URI, such as https://login.microsoftonline.com/"),
    ACR_ALLOWED_SERVERS(
        "empty",
        "comma-separated `host[:port]` ACR login servers outside `*.azurecr.io` (`.cn`, `.us`)"
            + " that a spec may name: custom domains, proxies",
        "a comma-separated list of lower-case registry servers host[:port], such as"
            + " registry.example.com or acr-proxy.example.com:8443"),
    GAR_ALLOWED_CREDENTIAL_FILES(
        "empty",
        "comma-separated absolute paths an external-account `key.json` may read its subject token"
            + " from (`credential_source.file`)",
        "a comma-separated list of absolute paths without '.', '..' or repeated '/', such as"
            + " /var/run/secrets/tokens/gcp-token"),
    GAR_ALLOWED_CREDENTIAL_URLS(
        "empty",
        "comma-separated exact URLs an external-account `key.json` may fetch its subject token"
            + " from (`credential_source.url`)",
        "a comma-separated list of absolute http or https URLs without user info or fragment,"
            + " such as http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01");

    private final String defaultValue;
    private final String meaning;
    private final String accepts;

    Setting(String defaultValue, String meaning, String accepts) {
      this.defaultValue = defaultValue;
      this.meaning = meaning;
      this.accepts = accepts;
    }

    /** The environment variable. */
    public String variable() {
      return "REGCRED_" + name();
    }

    /** The default as the README states it (Markdown). */
    public String defaultValue() {
      return defaultValue;
    }

    /** What the setting does, as the README states it (Markdown). */
    public String meaning() {
      return meaning;
    }

    /** What values it accepts, for the start-up error. */
    public String accepts() {
      return accepts;
    }
  }

  /**
   * Every bad setting of an environment, one line each: the variable, what is wrong and what it
   * accepts. Never the value, which the operator does not repeat wherever it came from.
   */
  public static final class InvalidConfigurationException extends IllegalArgumentException {
    private final List<String> problems;

    InvalidConfigurationException(List<String> problems) {
      super(
          "invalid configuration, the operator does not start:\n  "
              + String.join("\n  ", problems));
      this.problems = List.copyOf(problems);
    }

    /** One line per bad setting. */
    public List<String> problems() {
      return problems;
    }
  }

  public OperatorConfig {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(tenantVerifyAllowed, "tenantVerifyAllowed");
    Objects.requireNonNull(sourceNamespace, "sourceNamespace");
    Objects.requireNonNull(aws, "aws");
    Objects.requireNonNull(awsIdentity, "awsIdentity");
    Objects.requireNonNull(azure, "azure");
    Objects.requireNonNull(gar, "gar");
    deniedNamespaces = Set.copyOf(deniedNamespaces);
  }

  static final Path SERVICE_ACCOUNT_NAMESPACE =
      Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

  /**
   * Parses the environment; the process environment in production, a map in tests.
   *
   * @throws InvalidConfigurationException listing every bad value, one line each
   */
  public static OperatorConfig fromEnv(Map<String, String> env) {
    var reader = new Reader(env);
    String namespace =
        reader.read(Setting.NAMESPACE, defaultNamespace(), s -> matching(s, NAMESPACE_NAME));
    String sourceNamespace =
        reader.read(Setting.SOURCE_NAMESPACE, namespace, s -> matching(s, NAMESPACE_NAME));
    boolean leaderElection = reader.read(Setting.LEADER_ELECTION, true, OperatorConfig::bool);
    String leaseName =
        reader.read(Setting.LEASE_NAME, "regcred-operator-leader", s -> matching(s, DNS_SUBDOMAIN));
    String leaderIdentity =
        reader.read(
            Setting.LEADER_IDENTITY,
            env.getOrDefault(
                "POD_NAME", env.getOrDefault("HOSTNAME", UUID.randomUUID().toString())),
            OperatorConfig::nonBlank);
    int reconcileThreads = reader.read(Setting.RECONCILE_CONCURRENCY, 4, s -> integer(s, 1, 64));
    int writeThreads = reader.read(Setting.WRITE_CONCURRENCY, 8, s -> integer(s, 1, 128));
    int httpPort = reader.read(Setting.HTTP_PORT, 8080, s -> integer(s, 0, 65535));
    Set<String> denied =
        reader.read(
            Setting.DENIED_NAMESPACES,
            DEFAULT_DENIED_NAMESPACES,
            s -> Set.copyOf(items(s, item -> matching(item, NAMESPACE_NAME))));
    AddressRule tenantVerifyAllowed =
        reader.read(
            Setting.TENANT_VERIFY_ALLOWED,
            AddressRule.PUBLIC_ONLY,
            s -> AddressRule.allowing(items(s, OperatorConfig::allowedAddress)));
    // Read by logback (logback.xml), checked here so that a typo does not silence the logs.
    reader.read(Setting.LOG_LEVEL, "INFO", OperatorConfig::logLevel);
    reader.read(Setting.LOG_FORMAT, "text", OperatorConfig::logFormat);
    var aws =
        new AwsEndpoints(
            reader.read(Setting.AWS_ECR_ENDPOINT, Optional.empty(), OperatorConfig::endpoint),
            reader.read(
                Setting.AWS_ECR_PUBLIC_ENDPOINT, Optional.empty(), OperatorConfig::endpoint),
            reader.read(Setting.AWS_STS_ENDPOINT, Optional.empty(), OperatorConfig::endpoint));
    var azure =
        new AzureSettings(
            reader.read(Setting.AZURE_AUTHORITY_HOST, Optional.empty(), OperatorConfig::authority),
            env,
            Set.copyOf(
                reader.read(
                    Setting.ACR_ALLOWED_SERVERS,
                    List.of(),
                    s -> items(s, OperatorConfig::registryServer))));
    var gar =
        new GarSettings(
            reader.read(
                Setting.GAR_ALLOWED_CREDENTIAL_URLS,
                List.of(),
                s -> items(s, OperatorConfig::credentialUrl)),
            reader.read(
                Setting.GAR_ALLOWED_CREDENTIAL_FILES,
                List.of(),
                s -> items(s, OperatorConfig::credentialFile)));
    if (!reader.problems.isEmpty()) {
      throw new InvalidConfigurationException(reader.problems);
    }
    return new OperatorConfig(
        namespace,
        sourceNamespace,
        leaderElection,
        leaseName,
        leaderIdentity,
        reconcileThreads,
        writeThreads,
        httpPort,
        denied,
        tenantVerifyAllowed,
        aws,
        AwsIdentityEnv.of(env),
        azure,
        gar);
  }

  private static String defaultNamespace() {
    try {
      if (Files.isReadable(SERVICE_ACCOUNT_NAMESPACE)) {
        return Files.readString(SERVICE_ACCOUNT_NAMESPACE).trim();
      }
    } catch (java.io.IOException e) {
      // fall through to the documented default
    }
    return "regcred-system";
  }

  /** A value refused, and what is wrong with it in words that do not repeat it. */
  private static final class Refused extends Exception {
    Refused(String wrong) {
      super(wrong, null, false, false);
    }
  }

  @FunctionalInterface
  private interface Parser<T> {
    T parse(String value) throws Refused;
  }

  /** Reads settings and collects what is wrong with them, so that one error names them all. */
  private static final class Reader {
    private final Map<String, String> env;
    private final List<String> problems = new ArrayList<>();

    Reader(Map<String, String> env) {
      this.env = env;
    }

    /** The parsed value when the variable is set, else {@code fallback} (also after a problem). */
    <T> T read(Setting setting, T fallback, Parser<T> parser) {
      String value = env.get(setting.variable());
      if (value == null) {
        return fallback;
      }
      try {
        return parser.parse(value);
      } catch (Refused e) {
        problems.add(setting.variable() + ": " + e.getMessage() + "; accepts " + setting.accepts());
        return fallback;
      }
    }
  }

  private static final Pattern NAMESPACE_NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile(
          "(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern HOST_PORT = Pattern.compile(Validation.HOST_PORT);
  private static final Set<String> LOG_LEVELS =
      Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF", "ALL");

  private static String matching(String value, Pattern pattern) throws Refused {
    String s = value.strip();
    if (!pattern.matcher(s).matches()) {
      throw new Refused(s.isEmpty() ? "empty" : "not of that form");
    }
    return s;
  }

  private static String nonBlank(String value) throws Refused {
    if (value.isBlank()) {
      throw new Refused("empty");
    }
    return value.strip();
  }

  private static boolean bool(String value) throws Refused {
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new Refused("not a boolean");
    };
  }

  private static int integer(String value, int min, int max) throws Refused {
    int v;
    try {
      v = Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new Refused("not an integer");
    }
    if (v < min || v > max) {
      throw new Refused("out of range");
    }
    return v;
  }

  /** As logback reads {@code level="..."}: any case, nothing around it. */
  private static String logLevel(String value) throws Refused {
    String level = value.toUpperCase(Locale.ROOT);
    if (!LOG_LEVELS.contains(level)) {
      throw new Refused("not a log level");
    }
    return level;
  }

  /** The name of an appender in logback.xml. */
  private static String logFormat(String value) throws Refused {
    if (!value.equals("text") && !value.equals("json")) {
      throw new Refused("not a log format");
    }
    return value;
  }

  /** The comma-separated items of a list, each parsed; empty items are skipped. */
  private static <T> List<T> items(String list, Parser<T> item) throws Refused {
    List<T> items = new ArrayList<>();
    String[] parts = list.split(",", -1);
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i].strip();
      if (part.isEmpty()) {
        continue;
      }
      try {
        items.add(item.parse(part));
      } catch (Refused e) {
        throw new Refused("item " + (i + 1) + " is " + e.getMessage());
      }
    }
    return items;
  }

  private static Optional<URI> endpoint(String value) throws Refused {
    if (value.isBlank()) {
      return Optional.empty();
    }
    URI uri = uri(value.strip());
    String scheme = uri.getScheme();
    if (!("https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme))
        || uri.getHost() == null) {
      throw new Refused("not an absolute http or https URI");
    }
    return Optional.of(uri);
  }

  /** The identity library accepts nothing but an absolute https authority. */
  private static Optional<URI> authority(String value) throws Refused {
    if (value.isBlank()) {
      return Optional.empty();
    }
    URI uri = uri(value.strip());
    if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      throw new Refused("not an absolute https URI");
    }
    return Optional.of(uri);
  }

  private static String registryServer(String server) throws Refused {
    if (!HOST_PORT.matcher(server).matches() || port(server) > 65535) {
      throw new Refused("not a lower-case host[:port]");
    }
    return server;
  }

  private static int port(String server) {
    int colon = server.lastIndexOf(':');
    return colon < 0 ? 443 : Integer.parseInt(server.substring(colon + 1));
  }

  /** One entry of the tenant verification allow list, checked as the rule will read it. */
  private static String allowedAddress(String entry) throws Refused {
    try {
      AddressRule.allowing(List.of(entry));
    } catch (IllegalArgumentException e) {
      throw new Refused(e.getMessage());
    }
    return entry;
  }

  /** Kept exactly as written: a key.json's URL must equal it. */
  private static String credentialUrl(String value) throws Refused {
    URI uri = uri(value);
    String scheme = uri.getScheme();
    if (!("http".equals(scheme) || "https".equals(scheme))
        || uri.getHost() == null
        || uri.getRawUserInfo() != null
        || uri.getRawFragment() != null) {
      throw new Refused("not an absolute http or https URL without user info or fragment");
    }
    return value;
  }

  private static Path credentialFile(String value) throws Refused {
    Path path;
    try {
      path = Path.of(value);
    } catch (InvalidPathException e) {
      throw new Refused("not a valid path");
    }
    if (!path.isAbsolute() || !path.normalize().toString().equals(value)) {
      throw new Refused("not an absolute path without '.', '..' or repeated '/'");
    }
    return path;
  }

  /** {@link URISyntaxException#getReason()} says what is wrong without quoting the input. */
  private static URI uri(String value) throws Refused {
    try {
      return new URI(value);
    } catch (URISyntaxException e) {
      throw new Refused("not a valid URI (" + e.getReason() + ")");
    }
  }
}
