package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Exactly one token source of a namespaced RegistryCredential, each read or fetched with what the
 * namespace itself holds: its Secrets or its ServiceAccounts' own identities.
 */
@ValidationRule(
    value =
        "[has(self.ecr), has(self.acr), has(self.gar), has(self.static)].filter(x, x).size() == 1",
    message = "exactly one of ecr, acr, gar or static must be set")
public class LocalSource {

  @JsonPropertyDescription(
      "AWS Elastic Container Registry: a GetAuthorizationToken token (12 h) with a ServiceAccount's"
          + " role or access keys of this namespace.")
  private LocalEcrSource ecr;

  @JsonPropertyDescription(
      "Azure Container Registry: an ACR refresh token (about 3 h) with a ServiceAccount's workload"
          + " identity or a client secret of this namespace.")
  private LocalAcrSource acr;

  @JsonPropertyDescription(
      "Google Artifact Registry or Container Registry: an OAuth2 access token (1 h) with a"
          + " ServiceAccount's workload identity or a service-account key of this namespace.")
  private LocalGarSource gar;

  @JsonProperty("static")
  @JsonPropertyDescription(
      "A username/password or docker config read from a Secret in this namespace.")
  private LocalStaticSource staticSource;

  public LocalEcrSource getEcr() {
    return ecr;
  }

  public void setEcr(LocalEcrSource ecr) {
    this.ecr = ecr;
  }

  public LocalAcrSource getAcr() {
    return acr;
  }

  public void setAcr(LocalAcrSource acr) {
    this.acr = acr;
  }

  public LocalGarSource getGar() {
    return gar;
  }

  public void setGar(LocalGarSource gar) {
    this.gar = gar;
  }

  public LocalStaticSource getStaticSource() {
    return staticSource;
  }

  public void setStaticSource(LocalStaticSource staticSource) {
    this.staticSource = staticSource;
  }

  /** The name of the source that is set ({@code ecr}, {@code acr}, {@code gar}, {@code static}). */
  @JsonIgnore
  public String kind() {
    return Source.kindOf(ecr, acr, gar, staticSource);
  }
}
