package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * Google Artifact Registry or Container Registry with the namespace's own identity: workload
 * identity federation of a ServiceAccount of this namespace, or a service-account key in a Secret
 * of this namespace. Never the operator's Application Default Credentials.
 */
@ValidationRule(
    value = "has(self.serviceAccountName) != has(self.credentialsSecretRef)",
    message =
        "exactly one of serviceAccountName (workload identity federation) or credentialsSecretRef"
            + " (a service-account key in this namespace) must be set")
@ValidationRule(
    value = "!has(self.serviceAccountName) || has(self.workloadIdentityProvider)",
    message = "serviceAccountName needs workloadIdentityProvider: the pool provider that trusts it")
@ValidationRule(
    value =
        "!has(self.credentialsSecretRef) || (!has(self.workloadIdentityProvider) &&"
            + " !has(self.googleServiceAccount))",
    message = "workloadIdentityProvider and googleServiceAccount apply only to serviceAccountName")
public class LocalGarSource {

  @Required
  @Size(min = 1, max = 32)
  @JsonPropertyDescription(
      "Google registry hosts to write: gcr.io, <name>.gcr.io or <location>-docker.pkg.dev, such as"
          + " europe-docker.pkg.dev.")
  private List<@Size(max = 253) @Pattern(Validation.GOOGLE_REGISTRY) String> servers;

  @Size(max = 253)
  @Pattern(Validation.DNS_SUBDOMAIN)
  @JsonPropertyDescription(
      "ServiceAccount of this namespace whose token (audience: the provider) is exchanged at"
          + " Google STS.")
  private String serviceAccountName;

  @Size(max = 512)
  @Pattern(
      "^//iam\\.googleapis\\.com/projects/[0-9]{1,20}/locations/global/workloadIdentityPools/[a-z0-9-]{4,32}/providers/[a-z0-9-]{4,32}$")
  @JsonPropertyDescription(
      "Workload identity pool provider that trusts the cluster's issuer, as"
          + " //iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>"
          + "/providers/<provider>.")
  private String workloadIdentityProvider;

  @Size(max = 254)
  @JsonPropertyDescription(
      "Google service account to impersonate after the exchange; default: the federated identity"
          + " itself.")
  private String googleServiceAccount;

  @JsonPropertyDescription(
      "Secret in this namespace with key key.json holding a service-account key (type"
          + " service_account; external-account configurations are refused).")
  private LocalSecretReference credentialsSecretRef;

  public List<String> getServers() {
    return servers;
  }

  public void setServers(List<String> servers) {
    this.servers = servers;
  }

  public String getServiceAccountName() {
    return serviceAccountName;
  }

  public void setServiceAccountName(String serviceAccountName) {
    this.serviceAccountName = serviceAccountName;
  }

  public String getWorkloadIdentityProvider() {
    return workloadIdentityProvider;
  }

  public void setWorkloadIdentityProvider(String workloadIdentityProvider) {
    this.workloadIdentityProvider = workloadIdentityProvider;
  }

  public String getGoogleServiceAccount() {
    return googleServiceAccount;
  }

  public void setGoogleServiceAccount(String googleServiceAccount) {
    this.googleServiceAccount = googleServiceAccount;
  }

  public LocalSecretReference getCredentialsSecretRef() {
    return credentialsSecretRef;
  }

  public void setCredentialsSecretRef(LocalSecretReference credentialsSecretRef) {
    this.credentialsSecretRef = credentialsSecretRef;
  }
}
