package io.regcred.provider.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.regcred.api.v1alpha1.LocalAcrSource;
import io.regcred.api.v1alpha1.LocalEcrSource;
import io.regcred.api.v1alpha1.LocalGarSource;
import io.regcred.api.v1alpha1.LocalSecretReference;
import io.regcred.api.v1alpha1.LocalSource;
import io.regcred.api.v1alpha1.LocalStaticSource;
import io.regcred.model.Reason;
import io.regcred.model.TenantIdentity;
import io.regcred.provider.SourceException;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * How a namespaced source becomes a fetch: always with exactly one of the namespace's Secret or
 * ServiceAccount, never with neither (which, in the cluster kind's terms, means the operator's own
 * identity and defaults).
 */
class TenantSourcesTest {

  private static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  private static final String CLIENT = "0b6e3f4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
  private static final String PROVIDER =
      "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/providers/prov";

  private static LocalSource ecr(Consumer<LocalEcrSource> edit) {
    var ecr = new LocalEcrSource();
    ecr.setRegion("eu-west-1");
    edit.accept(ecr);
    var source = new LocalSource();
    source.setEcr(ecr);
    return source;
  }

  private static LocalSource acr(Consumer<LocalAcrSource> edit) {
    var acr = new LocalAcrSource();
    acr.setServer("team.azurecr.io");
    acr.setTenantId(TENANT);
    acr.setClientId(CLIENT);
    edit.accept(acr);
    var source = new LocalSource();
    source.setAcr(acr);
    return source;
  }

  private static LocalSource gar(Consumer<LocalGarSource> edit) {
    var gar = new LocalGarSource();
    gar.setServers(List.of("europe-docker.pkg.dev"));
    edit.accept(gar);
    var source = new LocalSource();
    source.setGar(gar);
    return source;
  }

  private static SourceException refused(LocalSource source) {
    SourceException e =
        catchThrowableOfType(SourceException.class, () -> TenantSources.plan(source));
    assertThat(e).as("refused").isNotNull();
    return e;
  }

  @Test
  void aCloudSourceWithNeitherSecretNorServiceAccountIsRefusedForEveryCloud() {
    for (LocalSource source :
        List.of(
            ecr(e -> {}),
            ecr(e -> e.setRoleArn("arn:aws:iam::123456789012:role/r")),
            acr(a -> {}),
            gar(g -> {}),
            gar(g -> g.setWorkloadIdentityProvider(PROVIDER)))) {
      SourceException e = refused(source);
      assertThat(e.reason()).isEqualTo(Reason.InvalidSpec.name());
      assertThat(e.getMessage()).contains("never uses the operator's own identity");
    }
  }

  @Test
  void bothWaysAtOnceAreRefused() {
    var secret = new LocalSecretReference("keys");
    for (LocalSource source :
        List.of(
            ecr(
                e -> {
                  e.setServiceAccountName("puller");
                  e.setRoleArn("arn:aws:iam::123456789012:role/r");
                  e.setCredentialsSecretRef(secret);
                }),
            acr(
                a -> {
                  a.setServiceAccountName("puller");
                  a.setCredentialsSecretRef(secret);
                }),
            gar(
                g -> {
                  g.setServiceAccountName("puller");
                  g.setWorkloadIdentityProvider(PROVIDER);
                  g.setCredentialsSecretRef(secret);
                }))) {
      assertThat(refused(source).reason()).isEqualTo(Reason.InvalidSpec.name());
    }
  }

  @Test
  void aServiceAccountBecomesTheCloudsOwnIdentityWithNothingOfTheOperatorsInTheSource()
      throws Exception {
    var aws =
        TenantSources.plan(
            ecr(
                e -> {
                  e.setServiceAccountName("puller");
                  e.setRoleArn("arn:aws:iam::123456789012:role/team");
                }));
    assertThat(aws.identity())
        .contains(new TenantIdentity.Aws("arn:aws:iam::123456789012:role/team"));
    assertThat(aws.serviceAccountName()).isEqualTo("puller");
    assertThat(aws.secret()).isEmpty();
    assertThat(aws.source().getEcr().getCredentialsSecretRef()).isNull();
    assertThat(aws.source().getEcr().getRoleArn())
        .as("the role is the identity's, never a chained AssumeRole")
        .isNull();

    var azure = TenantSources.plan(acr(a -> a.setServiceAccountName("puller")));
    assertThat(azure.identity()).contains(new TenantIdentity.Azure(TENANT, CLIENT));
    assertThat(azure.source().getAcr().getTenantId()).isNull();
    assertThat(azure.source().getAcr().getClientId()).isNull();

    var google =
        TenantSources.plan(
            gar(
                g -> {
                  g.setServiceAccountName("puller");
                  g.setWorkloadIdentityProvider(PROVIDER);
                }));
    assertThat(google.identity().orElseThrow().audience()).isEqualTo(PROVIDER);
    assertThat(google.source().getGar().getCredentialsSecretRef()).isNull();
  }

  @Test
  void aSecretIsReadOnlyByNameAndCarriesTheTenantsOwnIdsNeverTheOperatorDefaults()
      throws Exception {
    var keys = new LocalSecretReference("keys");
    var aws = TenantSources.plan(ecr(e -> e.setCredentialsSecretRef(keys)));
    assertThat(aws.secret()).contains("keys");
    assertThat(aws.identity()).isEmpty();
    assertThat(aws.source().getEcr().getCredentialsSecretRef().getName()).isEqualTo("keys");

    var azure = TenantSources.plan(acr(a -> a.setCredentialsSecretRef(keys)));
    assertThat(azure.source().getAcr().getTenantId()).isEqualTo(TENANT);
    assertThat(azure.source().getAcr().getClientId()).isEqualTo(CLIENT);
    // Without the tenant's own ids the operator's AZURE_TENANT_ID/AZURE_CLIENT_ID would fill in.
    assertThat(
            refused(
                    acr(
                        a -> {
                          a.setCredentialsSecretRef(keys);
                          a.setTenantId(null);
                        }))
                .reason())
        .isEqualTo(Reason.InvalidSpec.name());

    var stat = new LocalStaticSource();
    stat.setSecretRef(keys);
    var source = new LocalSource();
    source.setStaticSource(stat);
    assertThat(TenantSources.plan(source).secret()).contains("keys");
  }

  /** The one Secret of the namespace holding {@code key.json}. */
  private static io.regcred.provider.SourceSecrets keyJson(String json) {
    var secret =
        new io.fabric8.kubernetes.api.model.SecretBuilder()
            .withNewMetadata()
            .withName("gkey")
            .withNamespace("team")
            .endMetadata()
            .withStringData(java.util.Map.of("key.json", json))
            .build();
    // stringData as the API server would return it: base64 data.
    secret.setData(
        java.util.Map.of(
            "key.json",
            java.util.Base64.getEncoder()
                .encodeToString(json.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    return new io.regcred.provider.SourceSecrets() {
      @Override
      public String namespace() {
        return "team";
      }

      @Override
      public java.util.Optional<io.fabric8.kubernetes.api.model.Secret> get(String name) {
        return java.util.Optional.of(secret).filter(s -> s.getMetadata().getName().equals(name));
      }
    };
  }

  @Test
  void aTenantsGoogleKeyMustBeAServiceAccountKeyNeverAnExternalAccountConfiguration() {
    // An external account would have the operator read a file or call a URL with its own rights.
    String operatorsOwnToken =
        "{\"type\":\"external_account\",\"audience\":\"//iam.googleapis.com/x\","
            + "\"credential_source\":{\"file\":"
            + "\"/var/run/secrets/kubernetes.io/serviceaccount/token\"}}";
    SourceException refused =
        catchThrowableOfType(
            SourceException.class,
            () -> TenantSources.serviceAccountKeyOnly(keyJson(operatorsOwnToken), "gkey"));
    assertThat(refused).isNotNull();
    assertThat(refused.reason()).isEqualTo(Reason.SourceSecretInvalid.name());
    assertThat(refused.getMessage())
        .contains("must be a service-account key")
        .doesNotContain("/var/run/secrets");

    // A service-account key goes on to the provider, which judges the rest of it.
    org.assertj.core.api.Assertions.assertThatCode(
            () ->
                TenantSources.serviceAccountKeyOnly(
                    keyJson("{\"type\":\"service_account\"}"), "gkey"))
        .doesNotThrowAnyException();
  }

  @Test
  void anEmptySourceIsRefused() {
    assertThat(refused(new LocalSource()).reason()).isEqualTo(Reason.InvalidSpec.name());
  }
}
