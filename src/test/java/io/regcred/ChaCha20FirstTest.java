package io.regcred;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChaCha20FirstTest {

  static final List<String> NETTY_DEFAULT =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");

  @Test
  void chaCha20SuitesComeFirstAndTheRestKeepTheirOrder() {
    Set<String> supported =
        Set.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    assertThat(ChaCha20First.order(NETTY_DEFAULT, supported))
        .containsExactly(
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  }

  @Test
  void onlySupportedSuitesAreAddedAndNoneTwice() {
    List<String> enabled = List.of("TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256");

    assertThat(ChaCha20First.order(enabled, Set.copyOf(enabled)))
        .containsExactly("TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256");
    assertThat(ChaCha20First.order(NETTY_DEFAULT, Set.copyOf(NETTY_DEFAULT)))
        .as("an engine without ChaCha20 keeps its list")
        .isEqualTo(NETTY_DEFAULT);
  }

  @Test
  void preferredOnlyWithoutTheOptimisingCompiler() {
    assertThat(ChaCha20First.preferred(1)).isTrue(); // the payload's launcher: C1 only
    assertThat(ChaCha20First.preferred(3)).isTrue();
    assertThat(ChaCha20First.preferred(4)).isFalse(); // the JVM's default: C1 then C2
  }
}
