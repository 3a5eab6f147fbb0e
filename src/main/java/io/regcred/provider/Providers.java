package io.regcred.provider;

import io.regcred.provider.acr.AcrTokenProvider;
import io.regcred.provider.acr.AzureSettings;
import io.regcred.provider.ecr.AwsEndpoints;
import io.regcred.provider.ecr.AwsIdentityEnv;
import io.regcred.provider.ecr.EcrTokenProvider;
import io.regcred.provider.gar.GarSettings;
import io.regcred.provider.gar.GarTokenProvider;
import io.regcred.provider.staticsecret.StaticSecretProvider;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The token providers of this build, configured from the operator's environment. */
public final class Providers {

  private Providers() {}

  /**
   * Every source kind: static Secrets, ECR (and ECR Public), ACR, Artifact Registry. Endpoint
   * overrides (private endpoints, sovereign authorities) and allow lists (ACR servers, the files
   * and URLs of Google external accounts) come from environment variables, read here at once so
   * that a bad value stops start-up.
   *
   * @throws IllegalArgumentException naming the variable whose value is not accepted
   */
  public static Function<SourceSecrets, List<TokenProvider>> fromEnvironment(
      Map<String, String> env, Clock clock) {
    ProviderHttp http = ProviderHttp.defaults();
    AwsEndpoints aws = AwsEndpoints.fromEnv(env);
    AwsIdentityEnv awsIdentity = AwsIdentityEnv.of(env);
    AzureSettings azure = AzureSettings.fromEnv(env);
    GarSettings gar = GarSettings.fromEnv(env);
    return secrets ->
        List.of(
            new StaticSecretProvider(secrets, clock),
            new EcrTokenProvider(secrets, clock, aws, http, awsIdentity),
            new AcrTokenProvider(secrets, clock, azure, http),
            new GarTokenProvider(secrets, clock, http, gar));
  }
}
