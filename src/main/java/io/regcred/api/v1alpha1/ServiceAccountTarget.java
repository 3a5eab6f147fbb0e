package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** ServiceAccounts in each target namespace that get the Secret in their imagePullSecrets. */
public class ServiceAccountTarget {

  @Size(max = 100)
  @ValidationRule(
      value = "self.all(n, size(n) <= 253 && n.matches('" + Validation.DNS_SUBDOMAIN + "'))",
      message = "names must be ServiceAccount names (DNS-1123 subdomains)")
  @JsonPropertyDescription("ServiceAccounts by name; default [default] when neither names nor selector is set.")
  private List<String> names;

  @JsonPropertyDescription("ServiceAccounts by label, in every target namespace.")
  private Selector selector;

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
}
