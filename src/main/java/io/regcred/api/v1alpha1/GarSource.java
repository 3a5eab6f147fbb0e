package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** Google Artifact Registry and Container Registry through an OAuth2 access token. */
public class GarSource {

  @Required
  @Size(min = 1, max = 32)
  @JsonPropertyDescription("Registry hosts to write, such as europe-docker.pkg.dev or gcr.io.")
  private List<@Size(max = 253) @Pattern(Validation.HOST) String> servers;

  @JsonPropertyDescription(
      "Secret with key key.json holding a service-account key or external-account configuration;"
          + " default: Application Default Credentials (GKE workload identity, metadata server).")
  private SecretReference credentialsSecretRef;

  public List<String> getServers() {
    return servers;
  }

  public void setServers(List<String> servers) {
    this.servers = servers;
  }

  public SecretReference getCredentialsSecretRef() {
    return credentialsSecretRef;
  }

  public void setCredentialsSecretRef(SecretReference credentialsSecretRef) {
    this.credentialsSecretRef = credentialsSecretRef;
  }
}
