package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/** When an expiring token is refreshed. */
public class Refresh {

  @Size(max = 32)
  @Pattern(Validation.DURATION)
  @JsonPropertyDescription(
      "Refresh this long before the token expires, such as 30m; default: once half of the token's"
          + " lifetime has passed, with jitter.")
  private String beforeExpiry;

  public String getBeforeExpiry() {
    return beforeExpiry;
  }

  public void setBeforeExpiry(String beforeExpiry) {
    this.beforeExpiry = beforeExpiry;
  }
}
