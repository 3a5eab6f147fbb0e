package io.regcred.model;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The registry a docker config key stands for, as a docker client reaches it: {@code
 * https://host[:port]/v2/}. A key may carry {@code https://} or {@code http://} and a path ({@code
 * https://index.docker.io/v1/}); both are dropped and the scheme is always https, since a client
 * talks TLS to a registry unless told otherwise for that registry, and a credential is never sent
 * in the clear. Docker Hub's keys go to {@code registry-1.docker.io}, where a docker client sends
 * them.
 *
 * @param authority {@code host[:port]}, host in lower case
 */
public record RegistryEndpoint(String authority) {

  /** Where a docker client sends Docker Hub's credential. */
  public static final String DOCKER_HUB = "registry-1.docker.io";

  private static final Set<String> DOCKER_HUB_KEYS =
      Set.of("docker.io", "index.docker.io", "registry-1.docker.io");

  /** {@code host[:port]}: DNS labels or an IPv4 address, or a bracketed IPv6 address. */
  private static final Pattern AUTHORITY =
      Pattern.compile(
          "(?:[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)*"
              + "|\\[[0-9a-f:.]{2,45}\\])(?::[0-9]{1,5})?");

  /** The endpoint of a docker config key, or empty if the key names no host a client could use. */
  public static Optional<RegistryEndpoint> of(String server) {
    if (server == null || server.length() > 512) {
      return Optional.empty();
    }
    String rest = server.strip();
    String lower = rest.toLowerCase(Locale.ROOT);
    if (lower.startsWith("https://")) {
      rest = rest.substring("https://".length());
    } else if (lower.startsWith("http://")) {
      rest = rest.substring("http://".length());
    } else if (lower.contains("://")) {
      return Optional.empty();
    }
    int slash = rest.indexOf('/');
    String authority = (slash < 0 ? rest : rest.substring(0, slash)).toLowerCase(Locale.ROOT);
    if (!AUTHORITY.matcher(authority).matches() || !validPort(authority)) {
      return Optional.empty();
    }
    if (DOCKER_HUB_KEYS.contains(authority)) {
      return Optional.of(new RegistryEndpoint(DOCKER_HUB));
    }
    return Optional.of(new RegistryEndpoint(authority));
  }

  /** {@code https://<authority>/v2/}: where the handshake starts. */
  public URI v2() {
    return URI.create("https://" + authority + "/v2/");
  }

  private static boolean validPort(String authority) {
    int colon = authority.lastIndexOf(':');
    if (colon < 0 || authority.endsWith("]")) {
      return true;
    }
    int port = Integer.parseInt(authority.substring(colon + 1));
    return port >= 1 && port <= 65535;
  }
}
