package io.regcred.provider;

import io.regcred.config.OperatorConfig;
import io.regcred.provider.acr.AcrTokenProvider;
import io.regcred.provider.ecr.EcrTokenProvider;
import io.regcred.provider.gar.GarTokenProvider;
import io.regcred.provider.staticsecret.StaticSecretProvider;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;

/** The token providers of this build, configured from the operator's configuration. */
public final class Providers {

  private Providers() {}

  /**
   * Every source kind: static Secrets, ECR (and ECR Public), ACR, Artifact Registry, each with its
   * settings from the operator's configuration (endpoint overrides, sovereign authorities, the
   * allow lists of ACR servers and of the files and URLs of Google external accounts, and the
   * clouds' identity variables).
   */
  public static Function<SourceSecrets, List<TokenProvider>> of(
      OperatorConfig config, Clock clock) {
    ProviderHttp http = ProviderHttp.defaults();
    return secrets ->
        List.of(
            new StaticSecretProvider(secrets, clock),
            new EcrTokenProvider(secrets, clock, config.aws(), http, config.awsIdentity()),
            new AcrTokenProvider(secrets, clock, config.azure(), http),
            new GarTokenProvider(secrets, clock, http, config.gar()));
  }
}
