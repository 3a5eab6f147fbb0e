package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** AWS ECR (private, or ECR Public when {@code public} is true). */
@ValidationRule(
    value = "!(has(self.public) && self.public) || self.region == 'us-east-1'",
    message = "ECR Public is served only from region us-east-1")
@ValidationRule(
    value =
        "!(has(self.public) && self.public) || !has(self.registryIds) || size(self.registryIds) == 0",
    message = "registryIds do not apply to ECR Public")
public class EcrSource {

  @Required
  @Size(max = 32)
  @Pattern("^[a-z]{2}(-[a-z]+)+-[0-9]+$")
  @JsonPropertyDescription("AWS region of the registry, such as eu-west-1.")
  private String region;

  @Size(max = 32)
  @JsonPropertyDescription(
      "Registry (account) ids to fetch tokens for; default: the caller's account.")
  private List<@Pattern("^[0-9]{12}$") String> registryIds;

  @JsonPropertyDescription("Fetch an ECR Public token (registry public.ecr.aws, region us-east-1).")
  private Boolean publicRegistry;

  @Size(max = 2048)
  @Pattern("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$")
  @JsonPropertyDescription("IAM role to assume before calling ECR.")
  private String roleArn;

  @Size(max = 1224)
  @JsonPropertyDescription("External id for AssumeRole, when the role's trust policy asks for one.")
  private String externalId;

  @JsonPropertyDescription(
      "Secret with keys AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optionally AWS_SESSION_TOKEN;"
          + " default: the operator's own AWS identity (IRSA, EKS Pod Identity, environment).")
  private SecretReference credentialsSecretRef;

  public String getRegion() {
    return region;
  }

  public void setRegion(String region) {
    this.region = region;
  }

  public List<String> getRegistryIds() {
    return registryIds;
  }

  public void setRegistryIds(List<String> registryIds) {
    this.registryIds = registryIds;
  }

  @com.fasterxml.jackson.annotation.JsonProperty("public")
  public Boolean getPublicRegistry() {
    return publicRegistry;
  }

  @com.fasterxml.jackson.annotation.JsonProperty("public")
  public void setPublicRegistry(Boolean publicRegistry) {
    this.publicRegistry = publicRegistry;
  }

  public String getRoleArn() {
    return roleArn;
  }

  public void setRoleArn(String roleArn) {
    this.roleArn = roleArn;
  }

  public String getExternalId() {
    return externalId;
  }

  public void setExternalId(String externalId) {
    this.externalId = externalId;
  }

  public SecretReference getCredentialsSecretRef() {
    return credentialsSecretRef;
  }

  public void setCredentialsSecretRef(SecretReference credentialsSecretRef) {
    this.credentialsSecretRef = credentialsSecretRef;
  }
}
