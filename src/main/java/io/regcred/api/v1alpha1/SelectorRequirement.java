package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** One label requirement: {@code key operator values}. */
@ValidationRule(
    value =
        "(self.operator == 'In' || self.operator == 'NotIn')"
            + " ? (has(self.values) && size(self.values) > 0)"
            + " : (!has(self.values) || size(self.values) == 0)",
    message = "values must be non-empty for In and NotIn, and empty for Exists and DoesNotExist")
public class SelectorRequirement {

  @Required
  @Size(max = 317)
  @ValidationRule(
      value = "self.matches('" + Selector.LABEL_KEY + "')",
      message = "key must be a valid label key")
  @JsonPropertyDescription("Label key.")
  private String key;

  @Required
  @JsonPropertyDescription("In, NotIn, Exists or DoesNotExist.")
  private Operator operator;

  @Size(max = 64)
  @JsonPropertyDescription("Values for In and NotIn.")
  private List<@Size(max = 63) @Pattern(Selector.LABEL_VALUE) String> values;

  public SelectorRequirement() {}

  public SelectorRequirement(String key, Operator operator, List<String> values) {
    this.key = key;
    this.operator = operator;
    this.values = values;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public Operator getOperator() {
    return operator;
  }

  public void setOperator(Operator operator) {
    this.operator = operator;
  }

  public List<String> getValues() {
    return values;
  }

  public void setValues(List<String> values) {
    this.values = values;
  }

  /** Label selector operators, as Kubernetes spells them. */
  public enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist
  }
}
