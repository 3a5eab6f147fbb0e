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
  @JsonPropertyDescription(
      "Google registry hosts to write: gcr.io, <name>.gcr.io or <location>-docker.pkg.dev, such as"
          + " europe-docker.pkg.dev.")
  private List<@Size(max = 253) @Pattern(Validation.GOOGLE_REGISTRY) String> servers;

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
