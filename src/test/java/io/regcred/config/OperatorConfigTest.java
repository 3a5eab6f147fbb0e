package io.regcred.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OperatorConfigTest {

  @Test
  void defaultsAreDocumented() {
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
  void everyVariableIsRead() {
    var config =
        OperatorConfig.fromEnv(
            Map.of(
                "REGCRED_NAMESPACE", "ops",
                "REGCRED_SOURCE_NAMESPACE", "secrets",
                "REGCRED_LEADER_ELECTION", "false",
                "REGCRED_LEASE_NAME", "lease",
                "REGCRED_LEADER_IDENTITY", "me",
                "REGCRED_RECONCILE_CONCURRENCY", "2",
                "REGCRED_WRITE_CONCURRENCY", "32",
                "REGCRED_HTTP_PORT", "0",
                "REGCRED_DENIED_NAMESPACES", "kube-system,vault"));
    assertThat(config)
        .isEqualTo(
            new OperatorConfig(
                "ops", "secrets", false, "lease", "me", 2, 32, 0, Set.of("kube-system", "vault")));
  }

  @Test
  void badValuesAreAllNamedInOneError() {
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnv(
                    Map.of(
                        "REGCRED_LEADER_ELECTION", "maybe",
                        "REGCRED_WRITE_CONCURRENCY", "0",
                        "REGCRED_HTTP_PORT", "http",
                        "REGCRED_DENIED_NAMESPACES", "kube-system,Not_A_Namespace")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("REGCRED_LEADER_ELECTION=maybe is not true or false")
        .hasMessageContaining("REGCRED_WRITE_CONCURRENCY=0 is not an integer from 1 to 128")
        .hasMessageContaining("REGCRED_HTTP_PORT=http is not a port from 0 to 65535")
        .hasMessageContaining("REGCRED_DENIED_NAMESPACES=kube-system,Not_A_Namespace is not");
  }
}
