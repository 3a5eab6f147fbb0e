package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** What to fetch, where to write it, and when to refresh it. */
public class ClusterRegistryCredentialSpec extends CommonSpec {

  @Required
  @JsonPropertyDescription(
      "Where the registry credential comes from: exactly one of ecr, acr, gar or static.")
  private Source source;

  @Required
  @JsonPropertyDescription(
      "Which namespaces receive the pull Secret and which ServiceAccounts reference it.")
  private Target target;

  public Source getSource() {
    return source;
  }

  public void setSource(Source source) {
    this.source = source;
  }

  public Target getTarget() {
    return target;
  }

  public void setTarget(Target target) {
    this.target = target;
  }
}
