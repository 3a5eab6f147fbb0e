package io.regcred.provider;

import io.regcred.api.v1alpha1.AcrSource.AzureCloud;
import io.regcred.api.v1alpha1.Validation;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which registry servers a source may name. A server is where the kubelet presents the credential
 * written under it, and for ACR also where the operator sends its own Entra ID token, so a spec
 * must not be able to name an arbitrary host. The schema enforces the same syntax at admission;
 * these checks hold for objects admitted under an older schema too. Messages name the field and the
 * rule, never the value.
 */
public final class RegistryHosts {

  private static final Pattern HOST_PORT = Pattern.compile(Validation.HOST_PORT);
  private static final Pattern GOOGLE_REGISTRY = Pattern.compile(Validation.GOOGLE_REGISTRY);
  private static final Pattern REGISTRY_SERVER = Pattern.compile(Validation.REGISTRY_SERVER);

  /** The port of a {@code [https://]host[:port][/path]} server, if it has one. */
  private static final Pattern PORT =
      Pattern.compile("^(?:https://)?(?:\\[[^\\]]*\\]|[^:/\\[]+):([0-9]+)(?:/.*)?$");

  /** One DNS label: a registry name, with the hash suffix of a domain-name-label scope. */
  private static final String LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

  private RegistryHosts() {}

  /** The login-server suffix of each Azure cloud's registries. */
  public static String acrSuffix(AzureCloud cloud) {
    if (cloud == null) {
      return acrSuffix(AzureCloud.AzurePublic);
    }
    return switch (cloud) {
      case AzurePublic -> ".azurecr.io";
      case AzureChina -> ".azurecr.cn";
      case AzureUSGovernment -> ".azurecr.us";
    };
  }

  /**
   * An ACR login server receives the operator's Entra ID token: it must be {@code
   * <name>.azurecr.<cloud>} without a port or with 443, or exactly a server the operator lists
   * (custom domains, proxies).
   */
  public static Optional<String> acrServerProblem(
      String server, AzureCloud cloud, Set<String> allowed) {
    if (server != null && allowed.contains(server)) {
      return Optional.empty();
    }
    String suffix = acrSuffix(cloud);
    boolean ok =
        server != null
            && HOST_PORT.matcher(server).matches()
            && Pattern.matches(LABEL + Pattern.quote(suffix) + "(:443)?", server);
    if (ok) {
      return Optional.empty();
    }
    return Optional.of(
        "spec.source.acr.server must be a registry of cloud "
            + (cloud == null ? AzureCloud.AzurePublic : cloud)
            + " (<name>"
            + suffix
            + ", no port or 443) or a server listed in REGCRED_ACR_ALLOWED_SERVERS");
  }

  /** Artifact Registry and Container Registry hosts, the only ones a Google token is for. */
  public static Optional<String> garServersProblem(List<String> servers) {
    if (servers == null || servers.isEmpty()) {
      return Optional.of("spec.source.gar.servers is empty");
    }
    for (int i = 0; i < servers.size(); i++) {
      String server = servers.get(i);
      if (server == null || !GOOGLE_REGISTRY.matcher(server).matches()) {
        return Optional.of(
            "spec.source.gar.servers["
                + i
                + "] must be gcr.io, <name>.gcr.io or <location>-docker.pkg.dev");
      }
    }
    return Optional.empty();
  }

  /**
   * A static server is a docker config key: {@code host[:port][/path]}, optionally after {@code
   * https://}, with a port from 1 to 65535. Blank means kubectl's default.
   */
  public static Optional<String> staticServerProblem(String server) {
    if (server == null
        || server.isBlank()
        || (REGISTRY_SERVER.matcher(server).matches() && validPort(server))) {
      return Optional.empty();
    }
    return Optional.of(
        "spec.source.static.server must be a registry host[:port] with an optional path,"
            + " optionally after https://, such as quay.io or https://index.docker.io/v1/");
  }

  /** Whether a port of the registry-server syntax, if any, is between 1 and 65535. */
  private static boolean validPort(String server) {
    Matcher port = PORT.matcher(server);
    if (!port.matches()) {
      return true;
    }
    int value = Integer.parseInt(port.group(1));
    return value >= 1 && value <= 65535;
  }
}
