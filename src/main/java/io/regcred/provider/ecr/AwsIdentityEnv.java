package io.regcred.provider.ecr;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The environment variables that select the operator's own AWS identity, used when an ECR source
 * has no {@code credentialsSecretRef}. Injectable so that the web identity (IRSA) and EKS Pod
 * Identity paths can be exercised without changing the process environment; by default it is the
 * process environment, as {@link io.regcred.config.OperatorConfig} read it.
 *
 * <p>Selection, in the order the SDK's default chain would use these variables:
 *
 * <ol>
 *   <li>{@code AWS_ACCESS_KEY_ID} set: the SDK's default chain (which takes the keys first);
 *   <li>{@code AWS_ROLE_ARN} and {@code AWS_WEB_IDENTITY_TOKEN_FILE}: web identity (IRSA), built
 *       here so that its STS client gets the operator's endpoint override, TLS and timeouts;
 *   <li>{@code AWS_CONTAINER_CREDENTIALS_RELATIVE_URI} (ECS): the SDK's default chain;
 *   <li>{@code AWS_CONTAINER_CREDENTIALS_FULL_URI}: EKS Pod Identity, fetched here (the SDK's
 *       container provider reads its URI and token only from the process environment or system
 *       properties);
 *   <li>otherwise the SDK's default chain (profile files, instance profile, ...).
 * </ol>
 *
 * <p>{@link #toString()} names the variables that are set, never their values.
 */
public final class AwsIdentityEnv {

  public static final String ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID";
  public static final String ROLE_ARN = "AWS_ROLE_ARN";
  public static final String WEB_IDENTITY_TOKEN_FILE = "AWS_WEB_IDENTITY_TOKEN_FILE";
  public static final String ROLE_SESSION_NAME = "AWS_ROLE_SESSION_NAME";
  public static final String CONTAINER_RELATIVE_URI = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
  public static final String CONTAINER_FULL_URI = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
  public static final String CONTAINER_TOKEN = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
  public static final String CONTAINER_TOKEN_FILE = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
  public static final String REGION = "AWS_REGION";
  public static final String DEFAULT_REGION = "AWS_DEFAULT_REGION";

  private static final List<String> NAMES =
      List.of(
          ACCESS_KEY_ID,
          ROLE_ARN,
          WEB_IDENTITY_TOKEN_FILE,
          ROLE_SESSION_NAME,
          CONTAINER_RELATIVE_URI,
          CONTAINER_FULL_URI,
          CONTAINER_TOKEN,
          CONTAINER_TOKEN_FILE,
          REGION,
          DEFAULT_REGION);

  /** Where the operator's own credentials come from. */
  public enum Source {
    /** The SDK's {@code DefaultCredentialsProvider}. */
    DEFAULT_CHAIN,
    /** STS AssumeRoleWithWebIdentity with a projected ServiceAccount token (IRSA). */
    WEB_IDENTITY,
    /** The EKS Pod Identity agent (or another container credentials endpoint with a full URI). */
    POD_IDENTITY
  }

  private final Map<String, String> values;

  private AwsIdentityEnv(Map<String, String> values) {
    this.values = values;
  }

  /** The relevant variables of {@code env}; unset and blank are the same. */
  public static AwsIdentityEnv of(Map<String, String> env) {
    Objects.requireNonNull(env, "env");
    Map<String, String> values = new LinkedHashMap<>();
    for (String name : NAMES) {
      String value = env.get(name);
      if (value != null && !value.isBlank()) {
        values.put(name, value.strip());
      }
    }
    return new AwsIdentityEnv(Map.copyOf(values));
  }

  /** No variables: the SDK's default chain. */
  public static AwsIdentityEnv none() {
    return new AwsIdentityEnv(Map.of());
  }

  public Source source() {
    if (has(ACCESS_KEY_ID)) {
      return Source.DEFAULT_CHAIN;
    }
    if (has(ROLE_ARN) && has(WEB_IDENTITY_TOKEN_FILE)) {
      return Source.WEB_IDENTITY;
    }
    if (has(CONTAINER_RELATIVE_URI)) {
      return Source.DEFAULT_CHAIN;
    }
    if (has(CONTAINER_FULL_URI)) {
      return Source.POD_IDENTITY;
    }
    return Source.DEFAULT_CHAIN;
  }

  public Optional<String> get(String name) {
    return Optional.ofNullable(values.get(name));
  }

  /** {@code AWS_REGION}, else {@code AWS_DEFAULT_REGION}: the pod's region, for STS. */
  public Optional<String> region() {
    return get(REGION).or(() -> get(DEFAULT_REGION));
  }

  private boolean has(String name) {
    return values.containsKey(name);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AwsIdentityEnv other && values.equals(other.values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    return "AwsIdentityEnv" + NAMES.stream().filter(this::has).toList();
  }
}
