package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TenantIdentityTest {

  static final String AUDIENCE =
      "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/tenants"
          + "/providers/cluster";
  static final String GUID = "11111111-2222-3333-4444-555555555555";

  @ParameterizedTest
  @ValueSource(
      strings = {
        "arn:aws:iam::123456789012:role/puller",
        "arn:aws:iam::123456789012:role/team/a/puller",
        "arn:aws-cn:iam::123456789012:role/puller",
        "arn:aws-us-gov:iam::123456789012:role/with+=,.@-chars"
      })
  void roleArnsOfEveryPartitionAreAccepted(String arn) {
    assertThat(new TenantIdentity.Aws(arn).problem()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "puller",
        "arn:aws:iam::12345678901:role/puller",
        "arn:aws:iam::123456789012:user/someone",
        "arn:aws:sts::123456789012:assumed-role/puller/s",
        "arn:aws:iam::123456789012:role/",
        "arn:aws:iam::123456789012:role/a b",
        "arn:aws:iam::123456789012:role/puller\n",
        "arn:aws:iam::123456789012:role/a-role-name-of-sixty-five-characters-is-longer-than-iam-allows-xy"
      })
  void anythingButARoleArnIsRefusedNamingTheFieldNotTheValue(String arn) {
    Optional<String> problem = new TenantIdentity.Aws(arn).problem();
    assertThat(problem).hasValueSatisfying(p -> assertThat(p).startsWith("roleArn must be"));
    if (!arn.isEmpty()) {
      assertThat(problem.get()).doesNotContain(arn);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "contoso.onmicrosoft.com",
        "11111111-2222-3333-4444-55555555555",
        "11111111-2222-3333-4444-555555555555/../other",
        "common",
        "11111111222233334444555555555555"
      })
  void tenantAndClientMustBeGuids(String value) {
    assertThat(new TenantIdentity.Azure(GUID, GUID).problem()).isEmpty();
    assertThat(new TenantIdentity.Azure(value, GUID).problem())
        .hasValueSatisfying(
            p -> assertThat(p).startsWith("tenantId must be").doesNotContain(value));
    assertThat(new TenantIdentity.Azure(GUID, value).problem())
        .hasValueSatisfying(
            p -> assertThat(p).startsWith("clientId must be").doesNotContain(value));
    assertThat(new TenantIdentity.Azure(null, GUID).problem()).isPresent();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/tenants/providers/cluster",
        "//iam.googleapis.com/projects/my-project/locations/global/workloadIdentityPools/tenants/providers/cluster",
        "//iam.googleapis.com/projects/123/locations/europe/workloadIdentityPools/tenants/providers/cluster",
        "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/abc/providers/cluster",
        "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/Tenants/providers/cluster",
        "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/tenants/providers/cluster/x",
        "//evil.example/projects/123/locations/global/workloadIdentityPools/tenants/providers/cluster",
        ""
      })
  void onlyAPoolProviderIsAGoogleAudience(String audience) {
    assertThat(new TenantIdentity.Google(AUDIENCE, Optional.empty()).problem()).isEmpty();
    assertThat(new TenantIdentity.Google(audience, Optional.empty()).problem())
        .hasValueSatisfying(p -> assertThat(p).startsWith("audience must name"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "puller@tenant-project.iam.gserviceaccount.com",
        "123456789-compute@developer.gserviceaccount.com"
      })
  void serviceAccountEmailsAreAccepted(String email) {
    assertThat(new TenantIdentity.Google(AUDIENCE, Optional.of(email)).problem()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "puller",
        "puller@gmail.com",
        "a/../b@tenant-project.iam.gserviceaccount.com",
        "puller@tenant-project.iam.gserviceaccount.com:generateIdToken",
        "puller@tenant-project.iam.gserviceaccount.com/x",
        "Puller@tenant-project.iam.gserviceaccount.com"
      })
  void anythingButAServiceAccountEmailIsRefused(String email) {
    assertThat(new TenantIdentity.Google(AUDIENCE, Optional.of(email)).problem())
        .hasValueSatisfying(
            p -> assertThat(p).startsWith("serviceAccount must be").doesNotContain(email));
  }

  @ParameterizedTest
  @ValueSource(strings = {"aws", "azure", "google"})
  void eachCloudAsksForItsOwnAudience(String cloud) {
    String audience =
        switch (cloud) {
          case "aws" -> new TenantIdentity.Aws("arn:aws:iam::123456789012:role/p").audience();
          case "azure" -> new TenantIdentity.Azure(GUID, GUID).audience();
          default -> new TenantIdentity.Google(AUDIENCE, Optional.empty()).audience();
        };
    assertThat(audience)
        .isEqualTo(
            switch (cloud) {
              case "aws" -> "sts.amazonaws.com";
              case "azure" -> "api://AzureADTokenExchange";
              default -> AUDIENCE;
            });
  }
}
