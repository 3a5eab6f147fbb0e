package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** ServiceAccounts in each target namespace that get the Secret in their imagePullSecrets. */
public class ServiceAccountTarget {

  @Size(max = 100)
  @JsonPropertyDescription(
      "ServiceAccounts by name; default [default] when neither names nor selector is set.")
  private List<@Size(max = 253) @Pattern(Validation.DNS_SUBDOMAIN) String> names;

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
