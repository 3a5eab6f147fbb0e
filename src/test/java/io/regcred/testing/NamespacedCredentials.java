package io.regcred.testing;

import io.regcred.api.v1alpha1.LocalEcrSource;
import io.regcred.api.v1alpha1.LocalSecretReference;
import io.regcred.api.v1alpha1.LocalSource;
import io.regcred.api.v1alpha1.LocalStaticSource;
import io.regcred.api.v1alpha1.LocalTarget;
import io.regcred.api.v1alpha1.RegistryCredential;
import io.regcred.api.v1alpha1.RegistryCredentialSpec;
import io.regcred.api.v1alpha1.ServiceAccountTarget;
import io.regcred.api.v1alpha1.Verification;
import java.util.List;
import java.util.function.Supplier;

/**
 * The test-data builder for the namespaced {@link RegistryCredential}, as {@link Credentials} is
 * for the cluster kind. What is not set is left out, as a user would leave it out of a manifest,
 * except the source: by default a static source reading the Secret {@code <name>-src} of the same
 * namespace.
 */
public final class NamespacedCredentials {

  private final String namespace;
  private final String name;
  private Supplier<LocalSource> source;
  private String secretName;
  private List<String> serviceAccounts;
  private Boolean verification;

  private NamespacedCredentials(String namespace, String name) {
    this.namespace = namespace;
    this.name = name;
    staticSource(name + "-src", null);
  }

  /**
   * A credential in {@code namespace} with a static source reading the Secret {@code <name>-src}.
   */
  public static NamespacedCredentials named(String namespace, String name) {
    return new NamespacedCredentials(namespace, name);
  }

  /** A static source reading {@code secretName}; {@code server} may be null (Docker Hub). */
  public NamespacedCredentials staticSource(String secretName, String server) {
    this.source =
        () -> {
          var staticSource = new LocalStaticSource();
          staticSource.setSecretRef(new LocalSecretReference(secretName));
          staticSource.setServer(server);
          var s = new LocalSource();
          s.setStaticSource(staticSource);
          return s;
        };
    return this;
  }

  /**
   * ECR with the identity of {@code serviceAccount} (same namespace), exchanged for {@code role}.
   */
  public NamespacedCredentials ecr(String region, String serviceAccount, String roleArn) {
    this.source =
        () -> {
          var ecr = new LocalEcrSource();
          ecr.setRegion(region);
          ecr.setServiceAccountName(serviceAccount);
          ecr.setRoleArn(roleArn);
          var s = new LocalSource();
          s.setEcr(ecr);
          return s;
        };
    return this;
  }

  public NamespacedCredentials secretName(String secretName) {
    this.secretName = secretName;
    return this;
  }

  public NamespacedCredentials serviceAccounts(String... names) {
    this.serviceAccounts = List.of(names);
    return this;
  }

  /** Whether each new credential is proven against its registries (unset: on). */
  public NamespacedCredentials verification(boolean enabled) {
    this.verification = enabled;
    return this;
  }

  /** A new credential each call, so a test may change one without touching another. */
  public RegistryCredential build() {
    var spec = new RegistryCredentialSpec();
    spec.setSource(source.get());
    if (secretName != null || serviceAccounts != null) {
      var target = new LocalTarget();
      target.setSecretName(secretName);
      if (serviceAccounts != null) {
        var accounts = new ServiceAccountTarget();
        accounts.setNames(serviceAccounts);
        target.setServiceAccounts(accounts);
      }
      spec.setTarget(target);
    }
    if (verification != null) {
      var v = new Verification();
      v.setEnabled(verification);
      spec.setVerification(v);
    }
    var credential = new RegistryCredential();
    credential.getMetadata().setNamespace(namespace);
    credential.getMetadata().setName(name);
    credential.setSpec(spec);
    return credential;
  }
}
