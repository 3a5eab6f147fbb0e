package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which addresses a namespaced credential's handshake may reach: public ones, and those the
 * operator lists by host, host:port or network.
 */
class AddressRuleTest {

  private static InetAddress address(String literal) {
    return AddressRule.literal(literal).orElseThrow();
  }

  /**
   * IPv4 {@code v4} in the last 4 bytes of an IPv6 address of {@code form}, kept as an {@link
   * Inet6Address} (the JDK's parser would turn the mapped form into an IPv4 address, but a resolver
   * may still hand one over).
   */
  private static InetAddress embedding(String form, String v4) throws UnknownHostException {
    byte[] bytes = new byte[16];
    switch (form) {
      case "mapped" -> {
        bytes[10] = (byte) 0xff;
        bytes[11] = (byte) 0xff;
      }
      case "compatible" -> {}
      case "nat64" -> {
        bytes[1] = 0x64;
        bytes[2] = (byte) 0xff;
        bytes[3] = (byte) 0x9b;
      }
      default -> throw new IllegalArgumentException(form);
    }
    byte[] four = address(v4).getAddress();
    System.arraycopy(four, 0, bytes, 12, 4);
    return Inet6Address.getByAddress(null, bytes, -1);
  }

  @ParameterizedTest(name = "{0} is not public ({1})")
  @CsvSource({
    "0.0.0.0, this host",
    "0.1.2.3, this network",
    "10.0.0.1, private 10/8",
    "10.255.255.255, private 10/8",
    "100.64.0.1, shared (CGNAT) 100.64/10",
    "100.127.255.254, shared (CGNAT) 100.64/10",
    "127.0.0.1, loopback",
    "127.1.2.3, loopback",
    "169.254.169.254, link-local (cloud metadata)",
    "172.16.0.1, private 172.16/12",
    "172.31.255.255, private 172.16/12",
    "192.168.1.1, private 192.168/16",
    "224.0.0.1, multicast",
    "239.255.255.250, multicast",
    "240.0.0.1, reserved",
    "255.255.255.255, broadcast",
    "::, any-local",
    "::1, loopback",
    "fc00::1, unique local fc00::/7",
    "fd12:3456:789a::1, unique local fc00::/7",
    "fe80::1, link-local",
    "febf:ffff::1, link-local",
    "fec0::1, site-local (deprecated)",
    "ff02::1, multicast",
    "'[::1]', bracketed loopback",
    "::ffff:127.0.0.1, IPv4-mapped loopback",
    "::ffff:10.1.2.3, IPv4-mapped private",
    "::ffff:169.254.169.254, IPv4-mapped link-local",
  })
  void addressesOutsideThePublicInternetAreNot(String literal, String range) {
    assertThat(AddressRule.isPublic(address(literal))).as(range).isFalse();
    assertThat(AddressRule.PUBLIC_ONLY.permits(List.of(address(literal)))).isFalse();
  }

  @ParameterizedTest(name = "{0} is public")
  @ValueSource(
      strings = {
        "8.8.8.8",
        "1.1.1.1",
        "100.63.255.255",
        "100.128.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "192.169.0.1",
        "11.0.0.1",
        "2606:4700::1111",
        "2a00:1450:4001::200e",
        "::ffff:8.8.8.8",
      })
  void publicAddressesArePermitted(String literal) {
    assertThat(AddressRule.isPublic(address(literal))).isTrue();
    assertThat(AddressRule.PUBLIC_ONLY.permits(List.of(address(literal)))).isTrue();
  }

  @ParameterizedTest(name = "{0} + {1}")
  @CsvSource({
    "mapped, 127.0.0.1",
    "mapped, 10.0.0.1",
    "compatible, 127.0.0.1",
    "compatible, 192.168.0.1",
    "nat64, 10.0.0.1",
    "nat64, 169.254.169.254",
  })
  void ipv6FormsCarryingAPrivateIpv4AddressAreNotPublic(String form, String v4)
      throws UnknownHostException {
    InetAddress carried = embedding(form, v4);
    assertThat(carried).isInstanceOf(Inet6Address.class);

    assertThat(AddressRule.isPublic(carried)).isFalse();
  }

  @Test
  void ipv6FormsCarryingAPublicIpv4AddressArePublic() throws UnknownHostException {
    assertThat(AddressRule.isPublic(embedding("nat64", "8.8.8.8"))).isTrue();
    assertThat(AddressRule.isPublic(embedding("mapped", "8.8.8.8"))).isTrue();
  }

  @Test
  void oneNonPublicAddressAmongPublicOnesIsEnoughToRefuse() {
    assertThat(AddressRule.PUBLIC_ONLY.permits(List.of(address("8.8.8.8"), address("10.0.0.1"))))
        .isFalse();
    assertThat(AddressRule.PUBLIC_ONLY.permits(List.of())).isFalse();
  }

  @Test
  void aListedHostIsListedForEveryPortInAnyCase() {
    var rule = AddressRule.allowing(List.of("registry.internal"));

    assertThat(rule.lists("registry.internal", 443)).isTrue();
    assertThat(rule.lists("Registry.Internal", 5000)).isTrue();
    assertThat(rule.lists("other.internal", 443)).isFalse();
    assertThat(rule.lists("registry.internal.evil.example", 443)).isFalse();
  }

  @Test
  void aListedHostPortIsListedForThatPortOnly() {
    var rule = AddressRule.allowing(List.of("registry.internal:5000", "127.0.0.1:15000"));

    assertThat(rule.lists("registry.internal", 5000)).isTrue();
    assertThat(rule.lists("registry.internal", 443)).isFalse();
    assertThat(rule.lists("127.0.0.1", 15000)).isTrue();
    assertThat(rule.lists("127.0.0.1", 15001)).isFalse();
    // host:port lists the name, not its address: 127.0.0.1 behind another name or port is not.
    assertThat(rule.permits(List.of(address("127.0.0.1")))).isFalse();
  }

  @Test
  void anIpv6HostPortTakesBracketsAndMatchesAnySpellingOfTheAddress() {
    var rule = AddressRule.allowing(List.of("[fd00::1]:5000"));

    assertThat(rule.lists("[fd00::1]", 5000)).isTrue();
    assertThat(rule.lists("[fd00:0:0:0:0:0:0:1]", 5000)).isTrue();
    assertThat(rule.lists("[fd00::1]", 443)).isFalse();
  }

  @Test
  void aListedNetworkPermitsItsAddressesAndNoOthers() {
    var rule = AddressRule.allowing(List.of("10.20.0.0/16", "fd00::/8"));

    assertThat(rule.permits(List.of(address("10.20.3.4")))).isTrue();
    assertThat(rule.permits(List.of(address("fd12::1")))).isTrue();
    assertThat(rule.permits(List.of(address("10.21.0.1")))).isFalse();
    assertThat(rule.permits(List.of(address("10.20.3.4"), address("192.168.0.1")))).isFalse();
    assertThat(rule.permits(List.of(address("fe80::1")))).isFalse();
    assertThat(rule.permits(List.of(address("8.8.8.8")))).isTrue();
    assertThat(rule.lists("10.20.3.4", 443)).isFalse();
  }

  @Test
  void aListedAddressPermitsThatAddressOnly() {
    var rule = AddressRule.allowing(List.of("10.1.2.3", "::1"));

    assertThat(rule.permits(List.of(address("10.1.2.3")))).isTrue();
    assertThat(rule.permits(List.of(address("::1")))).isTrue();
    assertThat(rule.permits(List.of(address("10.1.2.4")))).isFalse();
    assertThat(rule.permits(List.of(address("127.0.0.1")))).isFalse();
  }

  @Test
  void aNameResolvingToLoopbackIsJudgedByItsAddresses() throws UnknownHostException {
    List<InetAddress> localhost = Arrays.asList(InetAddress.getAllByName("localhost"));
    assertThat(localhost).allMatch(InetAddress::isLoopbackAddress);

    assertThat(AddressRule.PUBLIC_ONLY.permits(localhost)).isFalse();
    assertThat(AddressRule.allowing(List.of("127.0.0.0/8", "::1/128")).permits(localhost)).isTrue();
    assertThat(AddressRule.allowing(List.of("localhost")).lists("localhost", 443)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://registry.internal",
        "registry.internal/v2",
        "registry.internal:0",
        "registry.internal:65536",
        "registry.internal:port",
        "-bad.internal",
        "under_score.internal",
        "fd00::1:",
        "fd00::1]:5000",
        "[fd00::zz]:5000",
        "10.0.0.0/33",
        "fd00::/129",
        "10.0.0.0/-1",
        "10.0.0.0/eight",
        "registry.internal/8",
        "",
      })
  void entriesThatAreNoHostPortAddressOrNetworkAreRefusedWithoutBeingRepeated(String entry) {
    assertThatThrownBy(() -> AddressRule.allowing(List.of(entry)))
        .isInstanceOf(IllegalArgumentException.class)
        .message()
        .satisfies(m -> assertThat(entry.isEmpty() || !m.contains(entry)).isTrue());
  }
}
