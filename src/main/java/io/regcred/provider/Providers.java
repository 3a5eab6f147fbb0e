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
   * overrides (private endpoints, sovereign authorities) come from environment variables.
   */
  public static Function<SourceSecrets, List<TokenProvider>> fromEnvironment(
      Map<String, String> env, Clock clock) {
    ProviderHttp http = ProviderHttp.defaults();
    GarSettings gar = GarSettings.fromEnv(env);
    return secrets ->
        List.of(
            new StaticSecretProvider(secrets, clock),
            new EcrTokenProvider(
                secrets, clock, AwsEndpoints.fromEnv(env), http, AwsIdentityEnv.of(env)),
            new AcrTokenProvider(secrets, clock, AzureSettings.fromEnv(env), http),
            new GarTokenProvider(secrets, clock, http, gar));
  }
}
