package io.regcred.provider.ecr;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * Endpoint overrides for the AWS services the ECR provider calls, for VPC interface endpoints, FIPS
 * or private endpoints; each is empty by default, so the SDK resolves the public regional endpoint.
 * Parsed from the environment by {@link io.regcred.config.OperatorConfig}.
 */
public record AwsEndpoints(Optional<URI> ecr, Optional<URI> ecrPublic, Optional<URI> sts) {

  public AwsEndpoints {
    Objects.requireNonNull(ecr, "ecr");
    Objects.requireNonNull(ecrPublic, "ecrPublic");
    Objects.requireNonNull(sts, "sts");
  }

  /** No overrides: the SDK's regional endpoints. */
  public static AwsEndpoints none() {
    return new AwsEndpoints(Optional.empty(), Optional.empty(), Optional.empty());
  }
}
