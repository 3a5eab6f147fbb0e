package io.regcred.provider.tenant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.regcred.api.v1alpha1.AcrSource;
import io.regcred.api.v1alpha1.EcrSource;
import io.regcred.api.v1alpha1.GarSource;
import io.regcred.api.v1alpha1.LocalAcrSource;
import io.regcred.api.v1alpha1.LocalEcrSource;
import io.regcred.api.v1alpha1.LocalGarSource;
import io.regcred.api.v1alpha1.LocalSecretReference;
import io.regcred.api.v1alpha1.LocalSource;
import io.regcred.api.v1alpha1.SecretReference;
import io.regcred.api.v1alpha1.Source;
import io.regcred.api.v1alpha1.StaticSource;
import io.regcred.model.Reason;
import io.regcred.model.RegistryToken;
import io.regcred.model.TenantIdentity;
import io.regcred.provider.SecretData;
import io.regcred.provider.SourceException;
import io.regcred.provider.SourceSecrets;
import io.regcred.provider.TokenProvider;
import io.regcred.provider.acr.AcrTokenProvider;
import io.regcred.provider.ecr.EcrTokenProvider;
import io.regcred.provider.gar.GarTokenProvider;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Tokens of namespaced RegistryCredentials, fetched only with what their namespace holds: the one
 * Secret of that namespace the source names, or a ServiceAccount of that namespace whose own token
 * is exchanged at the cloud. The operator's identity, its default credential chains and its source
 * namespace are never reachable from here: a source with neither a Secret nor a ServiceAccount is
 * refused before any provider is called, and a provider sees only the one Secret read for it.
 */
public final class TenantSources {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final ServiceAccountTokens serviceAccountTokens;
  private final Function<SourceSecrets, List<TokenProvider>> providers;

  /**
   * @param providers the operator's providers, built here per fetch around the one Secret read for
   *     it (the same factory as the cluster kind's, so tests point both at the same fakes)
   */
  public TenantSources(
      KubernetesClient client, Function<SourceSecrets, List<TokenProvider>> providers) {
    this.client = client;
    this.serviceAccountTokens = new ServiceAccountTokens(client);
    this.providers = providers;
  }

  /** One fetch (or read) for the source of a RegistryCredential in {@code namespace}. */
  public RegistryToken fetch(String namespace, LocalSource source) throws SourceException {
    Plan plan = plan(source);
    SourceSecrets secrets =
        new OneSecret(
            namespace, plan.secret().isPresent() ? read(namespace, plan.secret().get()) : null);
    if (plan.secret().isPresent() && source.getGar() != null) {
      serviceAccountKeyOnly(secrets, plan.secret().get());
    }
    List<TokenProvider> built = providers.apply(secrets);
    if (plan.identity().isEmpty()) {
      return provider(built, TokenProvider.class, plan.source()).fetch(plan.source());
    }
    var tokens =
        serviceAccountTokens.supplier(
            namespace, plan.serviceAccountName(), plan.identity().get().audience());
    TenantIdentity identity = plan.identity().get();
    if (identity instanceof TenantIdentity.Aws aws) {
      return provider(built, EcrTokenProvider.class, plan.source())
          .fetch(plan.source().getEcr(), aws, tokens);
    }
    if (identity instanceof TenantIdentity.Azure azure) {
      return provider(built, AcrTokenProvider.class, plan.source())
          .fetch(plan.source().getAcr(), azure, tokens);
    }
    return provider(built, GarTokenProvider.class, plan.source())
        .fetch(plan.source().getGar(), (TenantIdentity.Google) identity, tokens);
  }

  /**
   * What a namespaced source asks for, in the cluster kind's terms: the source the providers read,
   * the one Secret of the namespace they may read, and the ServiceAccount identity, if that is the
   * way. Exactly one of secret and identity is present.
   */
  record Plan(
      Source source,
      Optional<String> secret,
      Optional<TenantIdentity> identity,
      String serviceAccountName) {}

  /** The plan for a source, or why the source cannot be used (named by field, never by value). */
  static Plan plan(LocalSource local) throws SourceException {
    Source source = new Source();
    if (local.getStaticSource() != null) {
      var s = local.getStaticSource();
      if (s.getSecretRef() == null) {
        throw invalid("spec.source.static.secretRef is required");
      }
      var spec = new StaticSource();
      spec.setSecretRef(new SecretReference(s.getSecretRef().getName()));
      spec.setServer(s.getServer());
      source.setStaticSource(spec);
      return secretPlan(source, s.getSecretRef());
    }
    if (local.getEcr() != null) {
      LocalEcrSource e = local.getEcr();
      var spec = new EcrSource();
      spec.setRegion(e.getRegion());
      spec.setRegistryIds(e.getRegistryIds());
      spec.setPublicRegistry(e.getPublicRegistry());
      source.setEcr(spec);
      if (e.getServiceAccountName() != null && e.getCredentialsSecretRef() == null) {
        if (e.getExternalId() != null) {
          throw invalid("spec.source.ecr.externalId applies only to credentialsSecretRef");
        }
        return identityPlan(
            source, new TenantIdentity.Aws(e.getRoleArn()), e.getServiceAccountName());
      }
      requireOneWay("ecr", e.getServiceAccountName(), e.getCredentialsSecretRef());
      spec.setRoleArn(e.getRoleArn());
      spec.setExternalId(e.getExternalId());
      spec.setCredentialsSecretRef(new SecretReference(e.getCredentialsSecretRef().getName()));
      return secretPlan(source, e.getCredentialsSecretRef());
    }
    if (local.getAcr() != null) {
      LocalAcrSource a = local.getAcr();
      var spec = new AcrSource();
      spec.setServer(a.getServer());
      spec.setScope(a.getScope());
      spec.setCloud(a.getCloud());
      source.setAcr(spec);
      var identity = new TenantIdentity.Azure(a.getTenantId(), a.getClientId());
      if (a.getServiceAccountName() != null && a.getCredentialsSecretRef() == null) {
        return identityPlan(source, identity, a.getServiceAccountName());
      }
      requireOneWay("acr", a.getServiceAccountName(), a.getCredentialsSecretRef());
      // Never the operator's AZURE_TENANT_ID/AZURE_CLIENT_ID: both must be the tenant's own.
      Optional<String> problem = identity.problem();
      if (problem.isPresent()) {
        throw invalid(problem.get());
      }
      spec.setTenantId(a.getTenantId());
      spec.setClientId(a.getClientId());
      spec.setCredentialsSecretRef(new SecretReference(a.getCredentialsSecretRef().getName()));
      return secretPlan(source, a.getCredentialsSecretRef());
    }
    if (local.getGar() != null) {
      LocalGarSource g = local.getGar();
      var spec = new GarSource();
      spec.setServers(g.getServers());
      source.setGar(spec);
      if (g.getServiceAccountName() != null && g.getCredentialsSecretRef() == null) {
        return identityPlan(
            source,
            new TenantIdentity.Google(
                g.getWorkloadIdentityProvider(), Optional.ofNullable(g.getGoogleServiceAccount())),
            g.getServiceAccountName());
      }
      requireOneWay("gar", g.getServiceAccountName(), g.getCredentialsSecretRef());
      if (g.getWorkloadIdentityProvider() != null || g.getGoogleServiceAccount() != null) {
        throw invalid(
            "spec.source.gar.workloadIdentityProvider and googleServiceAccount apply only to"
                + " serviceAccountName");
      }
      spec.setCredentialsSecretRef(new SecretReference(g.getCredentialsSecretRef().getName()));
      return secretPlan(source, g.getCredentialsSecretRef());
    }
    throw invalid("exactly one of spec.source.ecr, acr, gar or static must be set");
  }

  private static Plan secretPlan(Source source, LocalSecretReference ref) {
    return new Plan(source, Optional.of(ref.getName()), Optional.empty(), null);
  }

  private static Plan identityPlan(Source source, TenantIdentity identity, String serviceAccount) {
    return new Plan(source, Optional.empty(), Optional.of(identity), serviceAccount);
  }

  /** Either way, never neither (that would be the operator's identity) and never both. */
  private static void requireOneWay(String kind, String serviceAccount, LocalSecretReference secret)
      throws SourceException {
    if ((serviceAccount == null) == (secret == null)) {
      throw invalid(
          "spec.source."
              + kind
              + " needs exactly one of serviceAccountName or credentialsSecretRef: a namespaced"
              + " credential never uses the operator's own identity");
    }
  }

  private static SourceException invalid(String message) {
    return new SourceException(Reason.InvalidSpec, message);
  }

  /** The named Secret of the credential's namespace, read past any cache (none holds it). */
  private Secret read(String namespace, String name) throws SourceException {
    try {
      return client.secrets().inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      throw new SourceException(
          e.getCode() == 403 ? Reason.Forbidden : Reason.APIError,
          "Secret " + namespace + "/" + name + " could not be read (HTTP " + e.getCode() + ")");
    }
  }

  /**
   * A Google key of a tenant must be a service-account key: an external-account configuration names
   * files and URLs the operator would read or call with its own rights (its ServiceAccount token
   * file, the metadata server).
   */
  static void serviceAccountKeyOnly(SourceSecrets secrets, String name) throws SourceException {
    Optional<Secret> secret = secrets.get(name);
    if (secret.isEmpty()) {
      return; // the provider reports the missing Secret
    }
    SecretData data = SecretData.of(secret.get());
    if (!data.has(GarTokenProvider.KEY)) {
      return; // and the missing key
    }
    String type;
    try {
      JsonNode root = JSON.readTree(data.text(GarTokenProvider.KEY));
      type = root == null ? null : root.path("type").asText(null);
    } catch (Exception e) {
      type = null; // the provider says what is wrong with the file
    }
    if (type != null && !"service_account".equals(type)) {
      throw new SourceException(
          Reason.SourceSecretInvalid,
          "Secret "
              + secrets.namespace()
              + "/"
              + name
              + ": "
              + GarTokenProvider.KEY
              + " must be a service-account key (type service_account); a namespaced credential"
              + " takes no external-account configuration");
    }
  }

  private static <P extends TokenProvider> P provider(
      List<TokenProvider> built, Class<P> type, Source source) throws SourceException {
    for (TokenProvider p : built) {
      if (type.isInstance(p) && p.supports(source)) {
        return type.cast(p);
      }
    }
    throw new SourceException(
        Reason.SourceNotSupported,
        "source " + source.kind() + " is not supported by this operator build");
  }

  /** The one Secret a fetch may read, in the credential's own namespace. */
  private record OneSecret(String namespace, Secret secret) implements SourceSecrets {
    @Override
    public Optional<Secret> get(String name) {
      return Optional.ofNullable(secret).filter(s -> name.equals(s.getMetadata().getName()));
    }
  }
}
