package io.regcred.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad specs are rejected at admission by the CRD's schema and CEL rules, with a clear message. */
class CrdValidationIT {

  static KubernetesClient client;

  @BeforeAll
  static void connect() {
    client = TestCluster.newAdminClient();
  }

  @AfterAll
  static void close() {
    client.close();
  }

  static final String VALID_TARGET = "target: {namespaces: {names: [team-a]}}";

  static Stream<Arguments> invalidSpecs() {
    return Stream.of(
        Arguments.of(
            "no source", "source: {}\n  " + VALID_TARGET, "exactly one of ecr, acr, gar or static"),
        Arguments.of(
            "two sources",
            "source: {static: {secretRef: {name: a}}, gar: {servers: [gcr.io]}}\n  " + VALID_TARGET,
            "exactly one of ecr, acr, gar or static"),
        Arguments.of(
            "secretName not DNS-1123",
            "source: {static: {secretRef: {name: a}}}\n  target: {secretName: Bad_Name, namespaces: {names: [team-a]}}",
            "spec.target.secretName"),
        Arguments.of(
            "selector operator unknown",
            "source: {static: {secretRef: {name: a}}}\n  target: {namespaces: {selector: {matchExpressions: [{key: team, operator: Maybe}]}}}",
            "Unsupported value: \"Maybe\""),
        Arguments.of(
            "In without values",
            "source: {static: {secretRef: {name: a}}}\n  target: {namespaces: {selector: {matchExpressions: [{key: team, operator: In}]}}}",
            "values must be non-empty for In and NotIn"),
        Arguments.of(
            "bad label key",
            "source: {static: {secretRef: {name: a}}}\n  target: {namespaces: {selector: {matchLabels: {'bad key!': x}}}}",
            "matchLabels keys must be valid label keys"),
        Arguments.of(
            "bad label value",
            "source: {static: {secretRef: {name: a}}}\n  target: {namespaces: {selector: {matchLabels: {team: 'not valid!'}}}}",
            "spec.target.namespaces.selector.matchLabels.team"),
        Arguments.of(
            "unknown deletionPolicy",
            "source: {static: {secretRef: {name: a}}}\n  "
                + VALID_TARGET
                + "\n  deletionPolicy: Orphan",
            "Unsupported value: \"Orphan\""),
        Arguments.of(
            "no target namespaces",
            "source: {static: {secretRef: {name: a}}}\n  target: {namespaces: {}}",
            "set names, selector, or both"),
        Arguments.of(
            "ECR public outside us-east-1",
            "source: {ecr: {region: eu-west-1, public: true}}\n  " + VALID_TARGET,
            "ECR Public is served only from region us-east-1"),
        // A Google token may be written only under Google's registry hosts.
        Arguments.of(
            "gar server not a Google registry",
            "source: {gar: {servers: [gcr.io, registry.attacker.example]}}\n  " + VALID_TARGET,
            "spec.source.gar.servers[1]"),
        Arguments.of(
            "gar server a suffix trick",
            "source: {gar: {servers: [europe-docker.pkg.dev.attacker.example]}}\n  " + VALID_TARGET,
            "spec.source.gar.servers[0]"),
        Arguments.of(
            "gar server with a port",
            "source: {gar: {servers: ['gcr.io:443']}}\n  " + VALID_TARGET,
            "spec.source.gar.servers[0]"),
        // An ACR server is a host[:port]; which hosts is decided by the operator.
        Arguments.of(
            "acr server with a scheme",
            "source: {acr: {server: 'https://myregistry.azurecr.io'}}\n  " + VALID_TARGET,
            "spec.source.acr.server"),
        Arguments.of(
            "acr server with user info",
            "source: {acr: {server: 'x@myregistry.azurecr.io'}}\n  " + VALID_TARGET,
            "spec.source.acr.server"),
        Arguments.of(
            "acr server with a path",
            "source: {acr: {server: 'myregistry.azurecr.io/oauth2'}}\n  " + VALID_TARGET,
            "spec.source.acr.server"),
        // A static server is a docker config key, nothing more.
        Arguments.of(
            "static server with user info",
            "source: {static: {secretRef: {name: a}, server: 'robot:pw@quay.io'}}\n  "
                + VALID_TARGET,
            "spec.source.static.server"),
        Arguments.of(
            "static server with a query",
            "source: {static: {secretRef: {name: a}, server: 'https://quay.io/?next=x'}}\n  "
                + VALID_TARGET,
            "spec.source.static.server"),
        Arguments.of(
            "static server with a fragment",
            "source: {static: {secretRef: {name: a}, server: 'quay.io#x'}}\n  " + VALID_TARGET,
            "spec.source.static.server"),
        Arguments.of(
            "static server over http",
            "source: {static: {secretRef: {name: a}, server: 'http://quay.io'}}\n  " + VALID_TARGET,
            "spec.source.static.server"),
        Arguments.of(
            "static server with whitespace",
            "source: {static: {secretRef: {name: a}, server: 'quay.io /x'}}\n  " + VALID_TARGET,
            "spec.source.static.server"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidSpecs")
  void rejects(String description, String spec, String expectedMessage) {
    String yaml =
        "apiVersion: regcred.io/v1alpha1\nkind: ClusterRegistryCredential\nmetadata: {name: invalid}\nspec:\n  "
            + spec
            + "\n";
    assertThatThrownBy(() -> client.resource(yaml).create())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
        .hasMessageContaining(expectedMessage);
  }

  @ParameterizedTest(name = "accepts {0}")
  @MethodSource("validSpecs")
  void accepts(String description, String spec) {
    String name = "valid-" + Math.abs(description.hashCode());
    String yaml =
        "apiVersion: regcred.io/v1alpha1\nkind: ClusterRegistryCredential\nmetadata: {name: "
            + name
            + "}\nspec:\n  "
            + spec
            + "\n";
    var created =
        client
            .resources(ClusterRegistryCredential.class)
            .resource(
                client
                    .getKubernetesSerialization()
                    .unmarshal(yaml, ClusterRegistryCredential.class))
            .create();
    assertThat(created.getMetadata().getUid()).isNotBlank();
    // No operator runs in this class: remove the object directly.
    client.resources(ClusterRegistryCredential.class).withName(name).delete();
  }

  static List<Arguments> validSpecs() {
    return List.of(
        Arguments.of(
            "static",
            "source: {static: {secretRef: {name: a}, server: quay.io}}\n  " + VALID_TARGET),
        Arguments.of(
            "selector with expressions",
            "source: {gar: {servers: [europe-docker.pkg.dev, gcr.io]}}\n  target: {secretName: pull.secret, namespaces: {selector: {matchLabels: {example.com/team: a-1}, matchExpressions: [{key: tier, operator: NotIn, values: [sandbox]}, {key: legacy, operator: DoesNotExist}]}, exclude: [kube-system]}}"),
        Arguments.of(
            "ecr public", "source: {ecr: {region: us-east-1, public: true}}\n  " + VALID_TARGET),
        Arguments.of(
            "gar regional hosts",
            "source: {gar: {servers: [gcr.io, eu.gcr.io, europe-west1-docker.pkg.dev]}}\n  "
                + VALID_TARGET),
        Arguments.of(
            "acr registry", "source: {acr: {server: myregistry.azurecr.io}}\n  " + VALID_TARGET),
        Arguments.of(
            "acr custom server (the operator's allow list decides)",
            "source: {acr: {server: 'acr-proxy.example.com:8443', cloud: AzureChina}}\n  "
                + VALID_TARGET),
        Arguments.of(
            "static Docker Hub default",
            "source: {static: {secretRef: {name: a}, server: 'https://index.docker.io/v1/'}}\n  "
                + VALID_TARGET),
        Arguments.of(
            "static host, port and path",
            "source: {static: {secretRef: {name: a}, server: 'registry.example.com:5000/team'}}\n  "
                + VALID_TARGET),
        Arguments.of(
            "static IPv6 host",
            "source: {static: {secretRef: {name: a}, server: '[::1]:5000'}}\n  " + VALID_TARGET));
  }
}
