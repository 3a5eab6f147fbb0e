package io.regcred.provider.ecr;

import io.regcred.model.TenantIdentity;
import java.util.function.Supplier;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleWithWebIdentityCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityRequest;

/**
 * A tenant's AWS credentials: STS AssumeRoleWithWebIdentity into the tenant's role with its own
 * ServiceAccount token, taken from a supplier each time the SDK asks (not from a file, as IRSA
 * does). The STS client must be anonymous: the call is authenticated by the token alone, and a
 * signed call would carry the operator's identity.
 */
final class EcrTenantCredentials {

  private EcrTenantCredentials() {}

  static StsAssumeRoleWithWebIdentityCredentialsProvider provider(
      StsClient anonymousSts, TenantIdentity.Aws identity, Supplier<String> serviceAccountToken) {
    return StsAssumeRoleWithWebIdentityCredentialsProvider.builder()
        .stsClient(anonymousSts)
        .refreshRequest(
            () ->
                AssumeRoleWithWebIdentityRequest.builder()
                    .roleArn(identity.roleArn())
                    .roleSessionName(EcrTokenProvider.ROLE_SESSION_NAME)
                    .webIdentityToken(serviceAccountToken.get())
                    .build())
        .build();
  }
}
