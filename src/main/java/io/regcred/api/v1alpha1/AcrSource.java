package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Azure Container Registry through an Entra ID token exchanged for an ACR refresh token. */
public class AcrSource {

  @Required
  @Size(max = 253)
  @Pattern(Validation.HOST_PORT)
  @JsonPropertyDescription(
      "Registry login server of the chosen cloud, such as myregistry.azurecr.io (.azurecr.cn,"
          + " .azurecr.us), or a server the operator lists in REGCRED_ACR_ALLOWED_SERVERS.")
  private String server;

  @Size(max = 64)
  @JsonPropertyDescription("Entra ID tenant; default: AZURE_TENANT_ID of the operator.")
  private String tenantId;

  @Size(max = 64)
  @JsonPropertyDescription("Application (client) id; default: AZURE_CLIENT_ID of the operator.")
  private String clientId;

  @Size(max = 1024)
  @JsonPropertyDescription(
      "Repository scope for the refresh token, such as repository:team/app:pull; default: the"
          + " identity's registry-wide permissions.")
  private String scope;

  @JsonPropertyDescription("Azure cloud: AzurePublic (default), AzureChina or AzureUSGovernment.")
  private AzureCloud cloud;

  @JsonPropertyDescription(
      "Secret with key clientSecret for a service principal; default: workload identity, then"
          + " managed identity.")
  private SecretReference credentialsSecretRef;

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

  public String getScope() {
    return scope;
  }

  public void setScope(String scope) {
    this.scope = scope;
  }

  public AzureCloud getCloud() {
    return cloud;
  }

  public void setCloud(AzureCloud cloud) {
    this.cloud = cloud;
  }

  public SecretReference getCredentialsSecretRef() {
    return credentialsSecretRef;
  }

  public void setCredentialsSecretRef(SecretReference credentialsSecretRef) {
    this.credentialsSecretRef = credentialsSecretRef;
  }

  /** The Azure clouds, each with its own authority and registry audience. */
  public enum AzureCloud {
    AzurePublic,
    AzureChina,
    AzureUSGovernment
  }
}
