package io.regcred.e2e;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.testing.Credentials;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * What an end-to-end test class works with: the {@link RealNode}, a client with the node's admin
 * credentials, and Pods as a tenant creates them. Test classes run one after the other, each
 * connecting in its {@code @BeforeAll}.
 */
abstract class OnTheNode {

  static RealNode node;
  static KubernetesClient admin;
  static Pods pods;

  /** Where the operator runs and reads the source Secrets of static credentials. */
  static final String OPERATOR_NAMESPACE = "regcred-system";

  static void connect() {
    node = RealNode.get();
    admin = node.newAdminClient();
    pods = new Pods(admin, node.image());
  }

  /** A registry user and password as a static credential's source Secret. */
  static void putSourceSecret(String name, String user, String password) {
    admin
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(OPERATOR_NAMESPACE)
                .endMetadata()
                .withType("kubernetes.io/basic-auth")
                .withStringData(Map.of("username", user, "password", password))
                .build())
        .serverSideApply();
  }

  /** The source Secret of {@link #staticCredential}. */
  static String sourceSecretOf(String credential) {
    return credential + "-registry";
  }

  /**
   * A static credential for the node's registry, with its user and password, for the namespaces
   * with these labels.
   */
  static void staticCredential(String name, Map<String, String> selector) {
    putSourceSecret(sourceSecretOf(name), node.registryUser(), node.registryPassword());
    admin
        .resource(
            Credentials.named(name)
                .staticSource(sourceSecretOf(name), node.registry())
                .selector(selector)
                .verification(true, registryCa())
                .build())
        .serverSideApply();
  }

  /** The PEM of the CA that signed the node registry's certificate, for spec.verification. */
  static String registryCa() {
    try {
      return java.nio.file.Files.readString(node.registryCa());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Runs after the test class's own {@code @AfterAll}. */
  @AfterAll
  static void disconnect() {
    if (admin != null) {
      admin.close();
      admin = null;
    }
  }

  /**
   * The operator installed from {@code crds/} and {@code config/rbac} and run from its payload:
   * {@link ShippedOperator}.
   */
  abstract static class WithShippedOperator extends OnTheNode {

    static ShippedOperator operator;

    /** Connects and installs the operator; its output goes to {@code target/<logName>}. */
    static void install(String logName) throws java.io.IOException {
      connect();
      operator = ShippedOperator.install(node, admin, java.nio.file.Path.of("target", logName));
    }

    /** {@link ShippedOperator#tearDown}, if the install got that far. */
    static void tearDown(java.util.List<String> credentials, java.util.List<String> namespaces) {
      if (operator != null) {
        operator.tearDown(credentials, namespaces);
        operator = null;
      }
    }
  }
}
