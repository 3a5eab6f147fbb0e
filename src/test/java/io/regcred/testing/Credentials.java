package io.regcred.testing;

import io.regcred.api.v1alpha1.AcrSource;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.api.v1alpha1.ClusterRegistryCredentialSpec;
import io.regcred.api.v1alpha1.DeletionPolicy;
import io.regcred.api.v1alpha1.EcrSource;
import io.regcred.api.v1alpha1.GarSource;
import io.regcred.api.v1alpha1.NamespaceTarget;
import io.regcred.api.v1alpha1.Refresh;
import io.regcred.api.v1alpha1.SecretReference;
import io.regcred.api.v1alpha1.Selector;
import io.regcred.api.v1alpha1.ServiceAccountTarget;
import io.regcred.api.v1alpha1.Source;
import io.regcred.api.v1alpha1.StaticSource;
import io.regcred.api.v1alpha1.Target;
import io.regcred.api.v1alpha1.Verification;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one test-data builder for {@link ClusterRegistryCredential}, shared by unit tests and
 * integration tests. What is not set is left out, as a user would leave it out of a manifest,
 * except the source: by default a static source reading the Secret {@code <name>-src}, so every
 * built credential has the one source the API server requires. Server-set metadata (uid,
 * generation) is only set when asked, for pure tests that read it.
 */
public final class Credentials {

  private final String name;
  private String uid;
  private Long generation;
  private Supplier<Source> source;
  private String secretName;
  private List<String> namespaces;
  private Selector namespaceSelector;
  private List<String> exclude;
  private ServiceAccountTarget serviceAccounts;
  private DeletionPolicy deletionPolicy;
  private String refreshBeforeExpiry;
  private Verification verification;

  private Credentials(String name) {
    this.name = name;
    staticSource(name + "-src", null);
  }

  /** A credential with this name and a static source reading the Secret {@code <name>-src}. */
  public static Credentials named(String name) {
    return new Credentials(name);
  }

  // --- metadata the API server sets, for pure tests

  public Credentials uid(String uid) {
    this.uid = uid;
    return this;
  }

  public Credentials generation(long generation) {
    this.generation = generation;
    return this;
  }

  // --- the source: exactly one, the last one set wins

  /** A static source reading {@code secretName}; {@code server} may be null (Docker Hub). */
  public Credentials staticSource(String secretName, String server) {
    return source(
        s -> {
          var staticSource = new StaticSource();
          staticSource.setSecretRef(new SecretReference(secretName));
          staticSource.setServer(server);
          s.setStaticSource(staticSource);
        });
  }

  public Credentials ecr(EcrSource ecr) {
    return source(s -> s.setEcr(ecr));
  }

  public Credentials acr(AcrSource acr) {
    return source(s -> s.setAcr(acr));
  }

  public Credentials gar(GarSource gar) {
    return source(s -> s.setGar(gar));
  }

  /** Each build gets a Source of its own, so no two built credentials share one. */
  private Credentials source(Consumer<Source> choice) {
    this.source =
        () -> {
          var s = new Source();
          choice.accept(s);
          return s;
        };
    return this;
  }

  // --- the target

  /** {@code spec.target.secretName}; unset, the Secret is named after the credential. */
  public Credentials secretName(String secretName) {
    this.secretName = secretName;
    return this;
  }

  /** Target namespaces by name. */
  public Credentials namespaces(String... names) {
    return namespaces(List.of(names));
  }

  /** Target namespaces by name; null leaves {@code names} out. */
  public Credentials namespaces(List<String> names) {
    this.namespaces = names;
    return this;
  }

  /** Target namespaces by these labels; an empty map selects every namespace. */
  public Credentials selector(Map<String, String> matchLabels) {
    return selector(new Selector(matchLabels, null));
  }

  /** Target namespaces by selector; null leaves {@code selector} out. */
  public Credentials selector(Selector selector) {
    this.namespaceSelector = selector;
    return this;
  }

  /** Namespaces never targeted; null leaves {@code exclude} out. */
  public Credentials exclude(List<String> exclude) {
    this.exclude = exclude;
    return this;
  }

  public Credentials exclude(String... exclude) {
    return exclude(List.of(exclude));
  }

  /**
   * ServiceAccounts by name. Unset, {@code serviceAccounts} is left out and the operator patches
   * {@code default}; null writes {@code serviceAccounts: {}}.
   */
  public Credentials serviceAccounts(List<String> names) {
    serviceAccountTarget().setNames(names);
    return this;
  }

  public Credentials serviceAccounts(String... names) {
    return serviceAccounts(List.of(names));
  }

  /** ServiceAccounts by label, in every target namespace. */
  public Credentials serviceAccountSelector(Selector selector) {
    serviceAccountTarget().setSelector(selector);
    return this;
  }

  private ServiceAccountTarget serviceAccountTarget() {
    if (serviceAccounts == null) {
      serviceAccounts = new ServiceAccountTarget();
    }
    return serviceAccounts;
  }

  // --- lifecycle

  public Credentials deletionPolicy(DeletionPolicy deletionPolicy) {
    this.deletionPolicy = deletionPolicy;
    return this;
  }

  /** {@code spec.refresh.beforeExpiry}, such as {@code 55s}. */
  public Credentials refreshBeforeExpiry(String duration) {
    this.refreshBeforeExpiry = duration;
    return this;
  }

  /** {@code spec.verification}: on or off, and the extra CAs (PEM) it trusts. */
  public Credentials verification(boolean enabled, String caBundle) {
    var verification = new Verification();
    verification.setEnabled(enabled);
    verification.setCaBundle(caBundle);
    this.verification = verification;
    return this;
  }

  /** A new credential each call, so a test may change one without touching another. */
  public ClusterRegistryCredential build() {
    var target = new Target();
    target.setSecretName(secretName);
    if (namespaces != null || namespaceSelector != null || exclude != null) {
      var namespaceTarget = new NamespaceTarget();
      namespaceTarget.setNames(namespaces);
      namespaceTarget.setSelector(namespaceSelector);
      namespaceTarget.setExclude(exclude);
      target.setNamespaces(namespaceTarget);
    }
    if (serviceAccounts != null) {
      var accounts = new ServiceAccountTarget();
      accounts.setNames(serviceAccounts.getNames());
      accounts.setSelector(serviceAccounts.getSelector());
      target.setServiceAccounts(accounts);
    }
    var spec = new ClusterRegistryCredentialSpec();
    spec.setSource(source.get());
    spec.setTarget(target);
    spec.setDeletionPolicy(deletionPolicy);
    spec.setVerification(verification);
    if (refreshBeforeExpiry != null) {
      var refresh = new Refresh();
      refresh.setBeforeExpiry(refreshBeforeExpiry);
      spec.setRefresh(refresh);
    }
    var credential = new ClusterRegistryCredential();
    credential.getMetadata().setName(name);
    credential.getMetadata().setUid(uid);
    credential.getMetadata().setGeneration(generation);
    credential.setSpec(spec);
    return credential;
  }

  // --- sources with the fields the tests vary

  /**
   * An ECR source; {@code credentialsSecret} null means the operator's own AWS identity, no
   * registry ids the caller's own account.
   */
  public static EcrSource ecrSource(
      String region, String credentialsSecret, String... registryIds) {
    var ecr = new EcrSource();
    ecr.setRegion(region);
    if (credentialsSecret != null) {
      ecr.setCredentialsSecretRef(new SecretReference(credentialsSecret));
    }
    if (registryIds.length > 0) {
      ecr.setRegistryIds(List.of(registryIds));
    }
    return ecr;
  }

  /** An ACR source; {@code credentialsSecret} null means workload or managed identity. */
  public static AcrSource acrSource(
      String server, String tenantId, String clientId, String credentialsSecret) {
    var acr = new AcrSource();
    acr.setServer(server);
    acr.setTenantId(tenantId);
    acr.setClientId(clientId);
    if (credentialsSecret != null) {
      acr.setCredentialsSecretRef(new SecretReference(credentialsSecret));
    }
    return acr;
  }

  /** A GAR source; {@code credentialsSecret} null means Application Default Credentials. */
  public static GarSource garSource(String credentialsSecret, List<String> servers) {
    var gar = new GarSource();
    gar.setServers(servers);
    if (credentialsSecret != null) {
      gar.setCredentialsSecretRef(new SecretReference(credentialsSecret));
    }
    return gar;
  }
}
