package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Azure Container Registry with the namespace's own identity: workload identity federation of a
 * ServiceAccount of this namespace, or a client secret in a Secret of this namespace. Never the
 * operator's identity or its defaults.
 */
@ValidationRule(
    value = "has(self.serviceAccountName) != has(self.credentialsSecretRef)",
    message =
        "exactly one of serviceAccountName (workload identity federation) or credentialsSecretRef"
            + " (a client secret in this namespace) must be set")
public class LocalAcrSource {

  private static final String GUID = "^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$";

  @Required
  @Size(max = 253)
  @Pattern(Validation.HOST_PORT)
  @JsonPropertyDescription(
      "Registry login server of the chosen cloud, such as myregistry.azurecr.io (.azurecr.cn,"
          + " .azurecr.us), or a server the operator lists in REGCRED_ACR_ALLOWED_SERVERS.")
  private String server;

  @Required
  @Pattern(GUID)
  @JsonPropertyDescription("Entra ID tenant (directory) id.")
  private String tenantId;

  @Required
  @Pattern(GUID)
  @JsonPropertyDescription(
      "Application (client) id. With serviceAccountName, its federated credential names issuer"
          + " <cluster's issuer> and subject system:serviceaccount:<namespace>:<name>.")
  private String clientId;

  @Size(max = 253)
  @Pattern(Validation.DNS_SUBDOMAIN)
  @JsonPropertyDescription(
      "ServiceAccount of this namespace whose token (audience api://AzureADTokenExchange) is the"
          + " client assertion.")
  private String serviceAccountName;

  @JsonPropertyDescription("Secret in this namespace with key clientSecret.")
  private LocalSecretReference credentialsSecretRef;

  @Size(max = 1024)
  @JsonPropertyDescription(
      "Repository scope for the refresh token, such as repository:team/app:pull; default: the"
          + " identity's registry-wide permissions.")
  private String scope;

  @JsonPropertyDescription("Azure cloud: AzurePublic (default), AzureChina or AzureUSGovernment.")
  private AcrSource.AzureCloud cloud;

  public String getServer() {
    return server;
  }

  public void setServer(String server) {
    this.server = server;
  }

  public String getTenantId() {
    return tenantId;
  }

  public void setTenantId(String tenantId) {
    this.tenantId = tenantId;
  }

  public String getClientId() {
    return clientId;
  }

  public void setClientId(String clientId) {
    this.clientId = clientId;
  }

  public String getServiceAccountName() {
    return serviceAccountName;
  }

  public void setServiceAccountName(String serviceAccountName) {
    this.serviceAccountName = serviceAccountName;
  }

  public LocalSecretReference getCredentialsSecretRef() {
    return credentialsSecretRef;
  }

  public void setCredentialsSecretRef(LocalSecretReference credentialsSecretRef) {
    this.credentialsSecretRef = credentialsSecretRef;
  }

  public String getScope() {
    return scope;
  }

  public void setScope(String scope) {
    this.scope = scope;
  }

  public AcrSource.AzureCloud getCloud() {
    return cloud;
  }

  public void setCloud(AcrSource.AzureCloud cloud) {
    this.cloud = cloud;
  }
}
