package io.regcred.model;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a tenant may ask of the cloud with its own ServiceAccount: the cloud identity its token is
 * exchanged for. Each kind checks its fields against the cloud's own syntax, so that nothing but an
 * identifier reaches a request (a GUID in an authority path, an email in an IAM path); the token
 * endpoints themselves are fixed by the operator and are never a field. Problems name the field and
 * the expected form, never the value.
 */
public sealed interface TenantIdentity {

  /** The audience the ServiceAccount token must carry for this cloud. */
  String audience();

  /** Why the identity cannot be used, naming the field; empty when it can. */
  Optional<String> problem();

  /** AWS STS AssumeRoleWithWebIdentity into {@code roleArn}. */
  record Aws(String roleArn) implements TenantIdentity {

    /** The audience EKS and the AWS documentation give IRSA tokens. */
    public static final String AUDIENCE = "sts.amazonaws.com";

    /** An IAM role ARN in any partition: optional path, then a name of up to 64 characters. */
    private static final Pattern ROLE_ARN =
        Pattern.compile(
            "arn:aws(?:-[a-z]+){0,2}:iam::[0-9]{12}:role/(?:[\\w+=,.@-]+/){0,32}[\\w+=,.@-]{1,64}");

    private static final int MAX_ROLE_ARN = 2048;

    @Override
    public String audience() {
      return AUDIENCE;
    }

    @Override
    public Optional<String> problem() {
      if (roleArn == null
          || roleArn.length() > MAX_ROLE_ARN
          || !ROLE_ARN.matcher(roleArn).matches()) {
        return Optional.of(
            "roleArn must be an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)");
      }
      return Optional.empty();
    }
  }

  /** Entra ID workload identity federation: app {@code clientId} in directory {@code tenantId}. */
  record Azure(String tenantId, String clientId) implements TenantIdentity {

    /** The audience Entra ID requires of federated credentials. */
    public static final String AUDIENCE = "api://AzureADTokenExchange";

    private static final Pattern GUID =
        Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    @Override
    public String audience() {
      return AUDIENCE;
    }

    @Override
    public Optional<String> problem() {
      if (!isGuid(tenantId)) {
        return Optional.of("tenantId must be a directory (tenant) ID, a GUID");
      }
      if (!isGuid(clientId)) {
        return Optional.of("clientId must be an application (client) ID, a GUID");
      }
      return Optional.empty();
    }

    private static boolean isGuid(String value) {
      return value != null && GUID.matcher(value).matches();
    }
  }

  /**
   * Google workload identity federation: an STS token exchange at the pool provider named by {@code
   * audience}, then, if {@code serviceAccount} is set, impersonation of that service account.
   */
  record Google(String audience, Optional<String> serviceAccount) implements TenantIdentity {

    /** Project number, pool and provider IDs as Google defines them (4 to 32 characters). */
    private static final Pattern AUDIENCE =
        Pattern.compile(
            "//iam\\.googleapis\\.com/projects/[0-9]{1,20}/locations/global"
                + "/workloadIdentityPools/[a-z0-9][a-z0-9-]{2,30}[a-z0-9]"
                + "/providers/[a-z0-9][a-z0-9-]{2,30}[a-z0-9]");

    /**
     * A service account in a project ({@code name@project.iam.gserviceaccount.com}) or a default
     * one ({@code 123-compute@developer.gserviceaccount.com}).
     */
    private static final Pattern SERVICE_ACCOUNT =
        Pattern.compile(
            "[a-z0-9][a-z0-9-]{4,61}[a-z0-9]@(?:[a-z][a-z0-9-]{4,28}[a-z0-9]\\.iam|developer)"
                + "\\.gserviceaccount\\.com");

    public Google {
      Objects.requireNonNull(serviceAccount, "serviceAccount");
    }

    @Override
    public Optional<String> problem() {
      if (audience == null || !AUDIENCE.matcher(audience).matches()) {
        return Optional.of(
            "audience must name a workload identity pool provider"
                + " (//iam.googleapis.com/projects/<number>/locations/global"
                + "/workloadIdentityPools/<pool>/providers/<provider>)");
      }
      if (serviceAccount.isPresent() && !SERVICE_ACCOUNT.matcher(serviceAccount.get()).matches()) {
        return Optional.of(
            "serviceAccount must be a service account email"
                + " (<name>@<project>.iam.gserviceaccount.com)");
      }
      return Optional.empty();
    }
  }
}
