package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Credentials that do not expire, read from a Secret in the RegistryCredential's namespace. */
public class LocalStaticSource {

  @Required
  @JsonPropertyDescription(
      "Secret in this namespace holding either .dockerconfigjson or username and password.")
  private LocalSecretReference secretRef;

  @Size(max = 253)
  @Pattern(Validation.REGISTRY_SERVER)
  @JsonPropertyDescription(
      "Registry server for username/password Secrets: host[:port] with an optional path, optionally"
          + " after https:// (default https://index.docker.io/v1/, as kubectl uses). Ignored when the"
          + " Secret holds a .dockerconfigjson.")
  private String server;

  public LocalSecretReference getSecretRef() {
    return secretRef;
  }

  public void setSecretRef(LocalSecretReference secretRef) {
    this.secretRef = secretRef;
  }

  public String getServer() {
    return server;
  }

  public void setServer(String server) {
    this.server = server;
  }
}
