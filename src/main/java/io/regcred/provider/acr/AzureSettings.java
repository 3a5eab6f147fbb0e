package io.regcred.provider.acr;

import io.regcred.api.v1alpha1.AcrSource.AzureCloud;
import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What the ACR provider takes from the operator's environment: an optional Entra ID authority
 * override (sovereign or private endpoints, and tests), the login servers outside the clouds'
 * registry domains a spec may name, and the Azure variables that choose and configure the identity
 * ({@value #TENANT_ID_ENV}, {@value #CLIENT_ID_ENV}, {@value #FEDERATED_TOKEN_FILE_ENV}, and the
 * managed identity variables). The map is passed in, so tests need not set real environment
 * variables; the identity library is given the same map. Parsed from the environment by {@link
 * io.regcred.config.OperatorConfig}.
 *
 * <p>The managed identity endpoint (IMDS, App Service, Arc) cannot be overridden here:
 * azure-identity 1.16 hands managed identity to MSAL4J, which reads {@code
 * AZURE_POD_IDENTITY_AUTHORITY_HOST}, {@code IDENTITY_ENDPOINT} and {@code MSI_ENDPOINT} from the
 * process environment itself.
 *
 * @param authorityHost Entra ID authority for every cloud when set ({@code
 *     REGCRED_AZURE_AUTHORITY_HOST})
 * @param env the Azure-related environment variables (names starting {@code AZURE_}, {@code
 *     IDENTITY_}, {@code MSI_} or {@code IMDS_}); other variables are dropped
 * @param allowedServers login servers outside the clouds' registry domains that a spec may name
 *     ({@code REGCRED_ACR_ALLOWED_SERVERS}: custom domains, proxies), each {@code host[:port]}
 */
public record AzureSettings(
    Optional<URI> authorityHost, Map<String, String> env, Set<String> allowedServers) {

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
