package io.regcred.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * AWS ECR with the namespace's own identity: a ServiceAccount of this namespace whose token is
 * exchanged for {@code roleArn} (AssumeRoleWithWebIdentity), or access keys in a Secret of this
 * namespace. Never the operator's identity.
 */
@ValidationRule(
    value = "has(self.serviceAccountName) != has(self.credentialsSecretRef)",
    message =
        "exactly one of serviceAccountName (the ServiceAccount's own identity) or"
            + " credentialsSecretRef (access keys in this namespace) must be set")
@ValidationRule(
    value = "!has(self.serviceAccountName) || has(self.roleArn)",
    message = "serviceAccountName needs roleArn: the IAM role its token is exchanged for")
@ValidationRule(
    value = "!has(self.serviceAccountName) || !has(self.externalId)",
    message = "externalId applies only to access keys (credentialsSecretRef)")
@ValidationRule(
    value = "!(has(self.public) && self.public) || self.region == 'us-east-1'",
    message = "ECR Public is served only from region us-east-1")
@ValidationRule(
    value =
        "!(has(self.public) && self.public) || !has(self.registryIds) || size(self.registryIds) == 0",
    message = "registryIds do not apply to ECR Public")
public class LocalEcrSource {

  @Required
  @Size(max = 32)
  @Pattern("^[a-z]{2}(-[a-z]+)+-[0-9]+$")
  @JsonPropertyDescription("AWS region of the registry, such as eu-west-1.")
  private String region;

  @Size(max = 32)
  @JsonPropertyDescription(
      "Registry (account) ids to fetch tokens for; default: the account of the identity used.")
  private List<@Pattern("^[0-9]{12}$") String> registryIds;

  @JsonPropertyDescription("Fetch an ECR Public token (registry public.ecr.aws, region us-east-1).")
  private Boolean publicRegistry;

  @Size(max = 253)
  @Pattern(Validation.DNS_SUBDOMAIN)
  @JsonPropertyDescription(
      "ServiceAccount of this namespace whose token (audience sts.amazonaws.com) is exchanged for"
          + " roleArn. The role's trust policy names system:serviceaccount:<namespace>:<name>.")
  private String serviceAccountName;

  @Size(max = 2048)
  @Pattern("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$")
  @JsonPropertyDescription(
      "IAM role: the one serviceAccountName's token is exchanged for, or one to assume with the"
          + " access keys.")
  private String roleArn;

  @Size(max = 1224)
  @JsonPropertyDescription("External id for AssumeRole with access keys, when the role asks one.")
  private String externalId;

  @JsonPropertyDescription(
      "Secret in this namespace with keys AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optionally"
          + " AWS_SESSION_TOKEN.")
  private LocalSecretReference credentialsSecretRef;

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

  @JsonProperty("public")
  public Boolean getPublicRegistry() {
    return publicRegistry;
  }

  @JsonProperty("public")
  public void setPublicRegistry(Boolean publicRegistry) {
    this.publicRegistry = publicRegistry;
  }

  public String getServiceAccountName() {
    return serviceAccountName;
  }

  public void setServiceAccountName(String serviceAccountName) {
    this.serviceAccountName = serviceAccountName;
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

  public LocalSecretReference getCredentialsSecretRef() {
    return credentialsSecretRef;
  }

  public void setCredentialsSecretRef(LocalSecretReference credentialsSecretRef) {
    this.credentialsSecretRef = credentialsSecretRef;
  }
}
