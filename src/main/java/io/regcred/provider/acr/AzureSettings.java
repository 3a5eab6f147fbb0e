package io.regcred.provider.acr;

import io.regcred.api.v1alpha1.AcrSource.AzureCloud;
import io.regcred.api.v1alpha1.Validation;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What the ACR provider takes from the operator's environment: an optional Entra ID authority
 * override (sovereign or private endpoints, and tests), the login servers outside the clouds'
 * registry domains a spec may name, and the Azure variables that choose and configure the identity
 * ({@value #TENANT_ID_ENV}, {@value #CLIENT_ID_ENV}, {@value #FEDERATED_TOKEN_FILE_ENV}, and the
 * managed identity variables). The map is passed in, so tests need not set real environment
 * variables; the identity library is given the same map.
 *
 * <p>The managed identity endpoint (IMDS, App Service, Arc) cannot be overridden here:
 * azure-identity 1.16 hands managed identity to MSAL4J, which reads {@code
 * AZURE_POD_IDENTITY_AUTHORITY_HOST}, {@code IDENTITY_ENDPOINT} and {@code MSI_ENDPOINT} from the
 * process environment itself.
 *
 * @param authorityHost Entra ID authority for every cloud when set ({@value #AUTHORITY_HOST_ENV})
 * @param env the Azure-related environment variables (names starting {@code AZURE_}, {@code
 *     IDENTITY_}, {@code MSI_} or {@code IMDS_}); other variables are dropped
 * @param allowedServers login servers outside the clouds' registry domains that a spec may name
 *     ({@value #ALLOWED_SERVERS_ENV}: custom domains, proxies), each {@code host[:port]}
 */
public record AzureSettings(
    Optional<URI> authorityHost, Map<String, String> env, Set<String> allowedServers) {

  private static final Pattern HOST_PORT = Pattern.compile(Validation.HOST_PORT);

  public static final String AUTHORITY_HOST_ENV = "REGCRED_AZURE_AUTHORITY_HOST";
  public static final String ALLOWED_SERVERS_ENV = "REGCRED_ACR_ALLOWED_SERVERS";
  public static final String TENANT_ID_ENV = "AZURE_TENANT_ID";
  public static final String CLIENT_ID_ENV = "AZURE_CLIENT_ID";
  public static final String FEDERATED_TOKEN_FILE_ENV = "AZURE_FEDERATED_TOKEN_FILE";

  public static final URI AZURE_PUBLIC_AUTHORITY = URI.create("https://login.microsoftonline.com/");
  public static final URI AZURE_CHINA_AUTHORITY = URI.create("https://login.chinacloudapi.cn/");
  public static final URI AZURE_US_GOVERNMENT_AUTHORITY =
      URI.create("https://login.microsoftonline.us/");

  public AzureSettings {
    Objects.requireNonNull(authorityHost, "authorityHost");
    Objects.requireNonNull(env, "env");
    allowedServers = Set.copyOf(allowedServers);
    env =
        env.entrySet().stream()
            .filter(e -> e.getKey() != null && e.getValue() != null && isAzureVariable(e.getKey()))
            .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
  }

  /** No servers beyond the clouds' registry domains. */
  public AzureSettings(Optional<URI> authorityHost, Map<String, String> env) {
    this(authorityHost, env, Set.of());
  }

  /**
   * Reads {@value #AUTHORITY_HOST_ENV} (unset or blank: the cloud's public authority) and the
   * comma-separated {@value #ALLOWED_SERVERS_ENV} (unset or blank: none), and keeps the Azure
   * variables.
   *
   * @throws IllegalArgumentException when the authority is not an absolute https URI (the identity
   *     library accepts nothing else), or an allowed server is not a lower-case host[:port]
   */
  public static AzureSettings fromEnv(Map<String, String> env) {
    return new AzureSettings(
        authority(env.get(AUTHORITY_HOST_ENV)), env, servers(env.get(ALLOWED_SERVERS_ENV)));
  }

  /** The Entra ID authority host for a cloud: the override when set, else the cloud's own. */
  public URI authorityHost(AzureCloud cloud) {
    if (authorityHost.isPresent()) {
      return authorityHost.get();
    }
    if (cloud == null) {
      return AZURE_PUBLIC_AUTHORITY;
    }
    return switch (cloud) {
      case AzurePublic -> AZURE_PUBLIC_AUTHORITY;
      case AzureChina -> AZURE_CHINA_AUTHORITY;
      case AzureUSGovernment -> AZURE_US_GOVERNMENT_AUTHORITY;
    };
  }

  public Optional<String> tenantId() {
    return value(TENANT_ID_ENV);
  }

  public Optional<String> clientId() {
    return value(CLIENT_ID_ENV);
  }

  public Optional<String> federatedTokenFile() {
    return value(FEDERATED_TOKEN_FILE_ENV);
  }

  private Optional<String> value(String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
  }

  private static boolean isAzureVariable(String name) {
    return name.startsWith("AZURE_")
        || name.startsWith("IDENTITY_")
        || name.startsWith("MSI_")
        || name.startsWith("IMDS_");
  }

  private static Set<String> servers(String list) {
    if (list == null || list.isBlank()) {
      return Set.of();
    }
    Set<String> servers = new TreeSet<>();
    for (String item : list.split(",")) {
      String server = item.strip();
      if (server.isEmpty()) {
        continue;
      }
      if (!HOST_PORT.matcher(server).matches() || port(server) > 65535) {
        throw new IllegalArgumentException(
            ALLOWED_SERVERS_ENV
                + " must list lower-case registry servers host[:port], such as"
                + " registry.example.com or acr-proxy.example.com:8443");
      }
      servers.add(server);
    }
    return servers;
  }

  private static int port(String server) {
    int colon = server.lastIndexOf(':');
    return colon < 0 ? 443 : Integer.parseInt(server.substring(colon + 1));
  }

  private static Optional<URI> authority(String value) {
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    URI uri;
    try {
      uri = new URI(value.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          AUTHORITY_HOST_ENV + " is not a valid URI: " + e.getReason());
    }
    if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException(
          AUTHORITY_HOST_ENV
              + " must be an absolute https URI, such as https://login.microsoftonline.com/");
    }
    return Optional.of(uri);
  }

  /** Names only: the map may hold a client secret ({@code AZURE_CLIENT_SECRET}). */
  @Override
  public String toString() {
    return "AzureSettings[authorityHost="
        + authorityHost
        + ", allowedServers="
        + new TreeSet<>(allowedServers)
        + ", env="
        + new TreeMap<>(env).keySet().stream().collect(Collectors.joining(", ", "[", "]"))
        + "]";
  }
}
