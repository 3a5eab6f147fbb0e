package io.regcred.model;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a namespaced credential's verification may send a request: to a host whose every address is
 * public, or to one the operator lists ({@code host}, {@code host:port}, or an address or network
 * in CIDR form). A tenant chooses the registry, and through their registry's challenge the token
 * endpoint; without this rule the operator would fetch https URLs inside its own network for them
 * and tell them how each attempt went. Pure: the caller resolves the host and asks {@link
 * #permits}.
 */
public final class AddressRule {

  // The patterns come first: the ranges below are parsed with them.

  /** Decimal octets without leading zeros, which some resolvers read as octal. */
  private static final Pattern DOTTED_QUAD =
      Pattern.compile(
          "(0|[1-9]\\d{0,2})\\.(0|[1-9]\\d{0,2})\\.(0|[1-9]\\d{0,2})\\.(0|[1-9]\\d{0,2})");

  private static final Pattern HOST_NAME =
      Pattern.compile(
          "[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)*");
  private static final String NOT_AN_ENTRY = "not a host, host:port, address or network";
  private static final Pattern WITH_PORT = Pattern.compile("(.+):([0-9]{1,5})");

  /** Public addresses only, nothing listed. */
  public static final AddressRule PUBLIC_ONLY = new AddressRule(Set.of(), List.of());

  /**
   * Ranges a tenant's handshake never reaches unless listed: this host, private and shared
   * networks, link-local (cloud metadata), multicast and reserved space.
   */
  private static final List<Network> NOT_PUBLIC =
      List.of(
          Network.parse("0.0.0.0/8"),
          Network.parse("10.0.0.0/8"),
          Network.parse("100.64.0.0/10"),
          Network.parse("127.0.0.0/8"),
          Network.parse("169.254.0.0/16"),
          Network.parse("172.16.0.0/12"),
          Network.parse("192.168.0.0/16"),
          Network.parse("224.0.0.0/4"),
          Network.parse("240.0.0.0/4"),
          Network.parse("::/128"),
          Network.parse("::1/128"),
          Network.parse("fc00::/7"),
          Network.parse("fe80::/10"),
          Network.parse("fec0::/10"),
          Network.parse("ff00::/8"));

  /**
   * IPv6 forms that carry an IPv4 address in their last 32 bits and reach it: IPv4-mapped
   * (::ffff:0:0/96), IPv4-compatible (::/96) and NAT64's well-known prefix (64:ff9b::/96).
   */
  private static final List<Network> EMBEDDING_IPV4 =
      List.of(Network.ipv4Mapped(), Network.parse("::/96"), Network.parse("64:ff9b::/96"));

  /** {@code host} (any port) or {@code host:port}, as {@link #hostKey} writes the host. */
  private final Set<String> hosts;

  private final List<Network> networks;

  private AddressRule(Set<String> hosts, List<Network> networks) {
    this.hosts = Set.copyOf(hosts);
    this.networks = List.copyOf(networks);
  }

  /**
   * The rule with {@code allowed} listed: each a host name ({@code registry.internal}), {@code
   * host:port} ({@code 127.0.0.1:5000}, {@code [fd00::1]:5000}), an address ({@code 10.1.2.3}) or a
   * network ({@code 10.0.0.0/8}, {@code fd00::/8}).
   *
   * @throws IllegalArgumentException naming what is wrong with an entry, without repeating it
   */
  public static AddressRule allowing(List<String> allowed) {
    Set<String> hosts = new HashSet<>();
    List<Network> networks = new ArrayList<>();
    for (String raw : allowed) {
      String entry = raw.strip().toLowerCase(Locale.ROOT);
      if (entry.contains("/")) {
        networks.add(Network.parse(entry));
        continue;
      }
      Optional<InetAddress> address = literal(entry);
      if (address.isPresent()) {
        networks.add(Network.of(address.get()));
        continue;
      }
      Matcher withPort = WITH_PORT.matcher(entry);
      if (!withPort.matches()) {
        hosts.add(host(entry));
        continue;
      }
      // An IPv6 address takes brackets before a port, as in a URL.
      String host = withPort.group(1);
      if (host.contains(":") && !host.startsWith("[")) {
        throw new IllegalArgumentException(NOT_AN_ENTRY);
      }
      int port = Integer.parseInt(withPort.group(2));
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("a host:port whose port is out of range");
      }
      hosts.add(host(host) + ":" + port);
    }
    return new AddressRule(hosts, networks);
  }

  /** Whether the operator lists this host (for any port, or for {@code port}). */
  public boolean lists(String host, int port) {
    String key = hostKey(host);
    return hosts.contains(key) || hosts.contains(key + ":" + port);
  }

  /**
   * Whether a request may go to a host that resolves to {@code addresses}: every one is public or
   * in a listed network. A host with no address is not permitted.
   */
  public boolean permits(List<InetAddress> addresses) {
    return !addresses.isEmpty()
        && addresses.stream()
            .allMatch(a -> isPublic(a) || networks.stream().anyMatch(n -> n.contains(a)));
  }

  /** Not in any range of {@link #NOT_PUBLIC}, also when IPv6 carries it as an IPv4 address. */
  public static boolean isPublic(InetAddress address) {
    if (address instanceof Inet6Address
        && EMBEDDING_IPV4.stream().anyMatch(n -> n.contains(address))) {
      byte[] bytes = address.getAddress();
      return isPublic(byAddress(Arrays.copyOfRange(bytes, 12, 16)));
    }
    return NOT_PUBLIC.stream().noneMatch(n -> n.contains(address));
  }

  /**
   * A host as entries and URLs are compared: an address in its canonical form (IPv6 bracketed),
   * else the name in lower case.
   */
  static String hostKey(String host) {
    String lower = host.toLowerCase(Locale.ROOT);
    return literal(lower)
        .map(a -> a instanceof Inet6Address ? "[" + a.getHostAddress() + "]" : a.getHostAddress())
        .orElse(lower);
  }

  private static String host(String entry) {
    if (literal(entry).isEmpty() && !HOST_NAME.matcher(entry).matches()) {
      throw new IllegalArgumentException(NOT_AN_ENTRY);
    }
    return hostKey(entry);
  }

  /**
   * The address an IP literal stands for ({@code 10.1.2.3}, {@code fd00::1}, {@code [fd00::1]}), or
   * empty for anything else; never a name lookup.
   */
  static Optional<InetAddress> literal(String text) {
    Matcher quad = DOTTED_QUAD.matcher(text);
    if (quad.matches()) {
      byte[] bytes = new byte[4];
      for (int i = 0; i < 4; i++) {
        int octet = Integer.parseInt(quad.group(i + 1));
        if (octet > 255) {
          return Optional.empty();
        }
        bytes[i] = (byte) octet;
      }
      return Optional.of(byAddress(bytes));
    }
    String inner =
        text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    if (!inner.contains(":") || !inner.matches("[0-9a-f:.]+")) {
      return Optional.empty();
    }
    try {
      // In brackets the JDK parses an IPv6 literal and never asks DNS, even when it is invalid.
      return Optional.of(InetAddress.getByName("[" + inner + "]"));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }

  private static InetAddress byAddress(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("an address has 4 or 16 bytes", e);
    }
  }

  /** An address range in CIDR form. */
  private record Network(byte[] base, int bits) {

    /** ::ffff:0:0/96, which the JDK's parser would turn into 0.0.0.0. */
    static Network ipv4Mapped() {
      byte[] base = new byte[16];
      base[10] = (byte) 0xff;
      base[11] = (byte) 0xff;
      return new Network(base, 96);
    }

    static Network of(InetAddress address) {
      return new Network(address.getAddress(), address.getAddress().length * 8);
    }

    static Network parse(String cidr) {
      int slash = cidr.indexOf('/');
      Optional<InetAddress> base = literal(cidr.substring(0, slash));
      if (base.isEmpty()) {
        throw new IllegalArgumentException(NOT_AN_ENTRY);
      }
      int bits;
      try {
        bits = Integer.parseInt(cidr.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("a network whose prefix length is not a number");
      }
      byte[] bytes = base.get().getAddress();
      if (bits < 0 || bits > bytes.length * 8) {
        throw new IllegalArgumentException("a network whose prefix length is out of range");
      }
      return new Network(bytes, bits);
    }

    boolean contains(InetAddress address) {
      byte[] other = address.getAddress();
      if (other.length != base.length) {
        return false;
      }
      for (int bit = 0; bit < bits; bit++) {
        int mask = 0x80 >>> (bit % 8);
        if ((other[bit / 8] & mask) != (base[bit / 8] & mask)) {
          return false;
        }
      }
      return true;
    }
  }
}
