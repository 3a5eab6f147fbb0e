package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/** Exactly one token source. */
@ValidationRule(
    value =
        "[has(self.ecr), has(self.acr), has(self.gar), has(self.static)].filter(x, x).size() == 1",
    message = "exactly one of ecr, acr, gar or static must be set")
public class Source {

  @JsonPropertyDescription("AWS Elastic Container Registry: a GetAuthorizationToken token (12 h).")
  private EcrSource ecr;

  @JsonPropertyDescription(
      "Azure Container Registry: an ACR refresh token exchanged for an Entra ID token (about 3 h).")
  private AcrSource acr;

  @JsonPropertyDescription(
      "Google Artifact Registry or Container Registry: an OAuth2 access token (1 h).")
  private GarSource gar;

  @JsonProperty("static")
  @JsonPropertyDescription(
      "A username/password or docker config read from a Secret in the operator's source namespace.")
  private StaticSource staticSource;

  public EcrSource getEcr() {
    return ecr;
  }

  public void setEcr(EcrSource ecr) {
    this.ecr = ecr;
  }

  public AcrSource getAcr() {
    return acr;
  }

  public void setAcr(AcrSource acr) {
    this.acr = acr;
  }

  public GarSource getGar() {
    return gar;
  }

  public void setGar(GarSource gar) {
    this.gar = gar;
  }

  public StaticSource getStaticSource() {
    return staticSource;
  }

  public void setStaticSource(StaticSource staticSource) {
    this.staticSource = staticSource;
  }

  /** The name of the source that is set ({@code ecr}, {@code acr}, {@code gar}, {@code static}). */
  @JsonIgnore
  public String kind() {
    return kindOf(ecr, acr, gar, staticSource);
  }

  /** The name of the one source that is set, of either kind's source, or {@code none}. */
  static String kindOf(Object ecr, Object acr, Object gar, Object staticSource) {
    if (ecr != null) {
      return "ecr";
    }
    if (acr != null) {
      return "acr";
    }
    if (gar != null) {
      return "gar";
    }
    if (staticSource != null) {
      return "static";
    }
    return "none";
  }
}
