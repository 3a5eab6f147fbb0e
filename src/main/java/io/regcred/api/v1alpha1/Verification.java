package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Whether the operator proves each new credential against its registries, and which extra
 * certificate authorities it trusts when it does.
 */
public class Verification {

  @JsonPropertyDescription(
      "Prove each new credential with the registry's own login handshake (GET /v2/ and its"
          + " challenge) before it is relied on, and report the Verified condition; default true."
          + " Turn it off for registries the operator cannot reach.")
  private Boolean enabled;

  @Size(max = 65536)
  @ValidationRule(
      value = "self.contains('-----BEGIN CERTIFICATE-----')",
      message = "caBundle must hold PEM certificates (-----BEGIN CERTIFICATE-----)")
  @JsonPropertyDescription(
      "PEM certificates of the authorities that sign the registries' TLS certificates, trusted"
          + " in addition to the operator's own trust store; for private registries.")
  private String caBundle;

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  public String getCaBundle() {
    return caBundle;
  }

  public void setCaBundle(String caBundle) {
    this.caBundle = caBundle;
  }

  /** Verification is on unless turned off. */
  public static boolean enabled(Verification verification) {
    return verification == null || !Boolean.FALSE.equals(verification.getEnabled());
  }
}
