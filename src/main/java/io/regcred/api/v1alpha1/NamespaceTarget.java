package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** A set of namespaces: the union of names and selector, minus exclude. */
@ValidationRule(
    value = "has(self.names) || has(self.selector)",
    message = "set names, selector, or both")
public class NamespaceTarget {

  @Size(max = 1000)
  @JsonPropertyDescription("Namespaces by name.")
  private List<@Size(max = 63) @Pattern(Validation.DNS_LABEL) String> names;

  @JsonPropertyDescription("Namespaces by label; {} selects every namespace.")
  private Selector selector;

  @Size(max = 1000)
  @JsonPropertyDescription("Namespaces never targeted, even when named or selected.")
  private List<@Size(max = 63) @Pattern(Validation.DNS_LABEL) String> exclude;

  public List<String> getNames() {
    return names;
  }

  public void setNames(List<String> names) {
    this.names = names;
  }

  public Selector getSelector() {
    return selector;
  }

  public void setSelector(Selector selector) {
    this.selector = selector;
  }

  public List<String> getExclude() {
    return exclude;
  }

  public void setExclude(List<String> exclude) {
    this.exclude = exclude;
  }
}
