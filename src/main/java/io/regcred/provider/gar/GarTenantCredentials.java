package io.regcred.provider.gar;

import com.google.auth.http.HttpTransportFactory;
import com.google.auth.oauth2.ExternalAccountCredentials.SubjectTokenTypes;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.IdentityPoolCredentials;
import com.google.auth.oauth2.IdentityPoolSubjectTokenSupplier;
import io.regcred.model.TenantIdentity;
import java.util.function.Supplier;

/**
 * A tenant's Google credentials: workload identity federation, the STS token exchange at the
 * tenant's pool provider with its own ServiceAccount token as subject token, then, if the tenant
 * names one, impersonation of its service account. Both endpoints are the operator's ({@link
 * GoogleEndpoints}); the tenant chooses only the audience and the service account, whose syntax
 * {@link TenantIdentity.Google} has checked.
 */
final class GarTenantCredentials {

  private GarTenantCredentials() {}

  static GoogleCredentials credentials(
      GoogleEndpoints endpoints,
      HttpTransportFactory transport,
      TenantIdentity.Google identity,
      Supplier<String> serviceAccountToken) {
    IdentityPoolSubjectTokenSupplier subjectToken = context -> serviceAccountToken.get();
    IdentityPoolCredentials.Builder builder =
        IdentityPoolCredentials.newBuilder()
            .setHttpTransportFactory(transport)
            .setAudience(identity.audience())
            .setSubjectTokenType(SubjectTokenTypes.JWT)
            .setTokenUrl(endpoints.stsTokenUrl())
            .setSubjectTokenSupplier(subjectToken);
    identity
        .serviceAccount()
        .ifPresent(
            email ->
                builder.setServiceAccountImpersonationUrl(
                    endpoints.iamCredentials()
                        + "/v1/projects/-/serviceAccounts/"
                        + email
                        + ":generateAccessToken"));
    return builder.build();
  }
}
