package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/**
 * A Kubernetes label selector with its rules checked at admission, so a typo is rejected instead of
 * silently selecting nothing.
 */
public class Selector {

  static final String LABEL_KEY =
      "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";
  static final String LABEL_VALUE = "^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$";

  @Size(max = 64)
  @ValidationRule(
      value = "self.all(k, size(k) <= 317 && k.matches('" + LABEL_KEY + "'))",
      message = "matchLabels keys must be valid label keys")
  @JsonPropertyDescription("Labels that must all be present with these values.")
  private Map<String, @Size(max = 63) @Pattern(LABEL_VALUE) String> matchLabels;

  @Size(max = 32)
  @JsonPropertyDescription("Requirements that must all hold.")
  private List<SelectorRequirement> matchExpressions;

  public Selector() {}

  public Selector(Map<String, String> matchLabels, List<SelectorRequirement> matchExpressions) {
    this.matchLabels = matchLabels;
    this.matchExpressions = matchExpressions;
  }

  public Map<String, String> getMatchLabels() {
    return matchLabels;
  }

  public void setMatchLabels(Map<String, String> matchLabels) {
    this.matchLabels = matchLabels;
  }

  public List<SelectorRequirement> getMatchExpressions() {
    return matchExpressions;
  }

  public void setMatchExpressions(List<SelectorRequirement> matchExpressions) {
    this.matchExpressions = matchExpressions;
  }
}
