package io.regcred.provider.ecr;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Endpoint overrides for the AWS services the ECR provider calls, for VPC interface endpoints, FIPS
 * or private endpoints; each is empty by default, so the SDK resolves the public regional endpoint.
 */
public record AwsEndpoints(Optional<URI> ecr, Optional<URI> ecrPublic, Optional<URI> sts) {

  public static final String ECR_ENV = "REGCRED_AWS_ECR_ENDPOINT";
  public static final String ECR_PUBLIC_ENV = "REGCRED_AWS_ECR_PUBLIC_ENDPOINT";
  public static final String STS_ENV = "REGCRED_AWS_STS_ENDPOINT";

  public AwsEndpoints {
    Objects.requireNonNull(ecr, "ecr");
    Objects.requireNonNull(ecrPublic, "ecrPublic");
    Objects.requireNonNull(sts, "sts");
  }

  /** No overrides: the SDK's regional endpoints. */
  public static AwsEndpoints none() {
    return new AwsEndpoints(Optional.empty(), Optional.empty(), Optional.empty());
  }

  /**
   * Reads {@value #ECR_ENV}, {@value #ECR_PUBLIC_ENV} and {@value #STS_ENV}; unset or blank means
   * no override.
   *
   * @throws IllegalArgumentException when a value is not an absolute http or https URI
   */
  public static AwsEndpoints fromEnv(Map<String, String> env) {
    return new AwsEndpoints(
        endpoint(env, ECR_ENV), endpoint(env, ECR_PUBLIC_ENV), endpoint(env, STS_ENV));
  }

  private static Optional<URI> endpoint(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    URI uri;
    try {
      uri = new URI(value.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(name + " is not a valid URI: " + e.getReason());
    }
    String scheme = uri.getScheme();
    if (!("https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme))
        || uri.getHost() == null) {
      throw new IllegalArgumentException(
          name + " must be an absolute http or https URI, such as https://vpce-0123.ecr.example");
    }
    return Optional.of(uri);
  }
}
