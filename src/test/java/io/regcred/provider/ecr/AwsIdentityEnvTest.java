package io.regcred.provider.ecr;

import static org.assertj.core.api.Assertions.assertThat;

import io.regcred.provider.ecr.AwsIdentityEnv.Source;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AwsIdentityEnvTest {

  private static final Map<String, String> IRSA =
      Map.of(
          "AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/r",
          "AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/eks.amazonaws.com/serviceaccount/token");
  private static final Map<String, String> POD =
      Map.of(
          "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials",
          "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
              "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token");

  private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
    var m = new HashMap<>(a);
    m.putAll(b);
    return m;
  }

  @Test
  void selectsLikeTheSdkChain() {
    assertThat(AwsIdentityEnv.of(Map.of()).source()).isEqualTo(Source.DEFAULT_CHAIN);
    assertThat(AwsIdentityEnv.none().source()).isEqualTo(Source.DEFAULT_CHAIN);
    assertThat(AwsIdentityEnv.of(IRSA).source()).isEqualTo(Source.WEB_IDENTITY);
    assertThat(AwsIdentityEnv.of(POD).source()).isEqualTo(Source.POD_IDENTITY);
    // The SDK takes web identity before container credentials.
    assertThat(AwsIdentityEnv.of(merge(IRSA, POD)).source()).isEqualTo(Source.WEB_IDENTITY);
    // Keys in the environment come first in the SDK's chain: leave them to it.
    assertThat(AwsIdentityEnv.of(merge(IRSA, Map.of("AWS_ACCESS_KEY_ID", "AKIA1"))).source())
        .isEqualTo(Source.DEFAULT_CHAIN);
    // ECS (relative URI) is the SDK's business, and it wins over a full URI there.
    assertThat(
            AwsIdentityEnv.of(merge(POD, Map.of("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2")))
                .source())
        .isEqualTo(Source.DEFAULT_CHAIN);
    // Half of IRSA is nothing.
    assertThat(AwsIdentityEnv.of(Map.of("AWS_ROLE_ARN", "arn:aws:iam::1:role/r")).source())
        .isEqualTo(Source.DEFAULT_CHAIN);
  }

  @Test
  void blankIsUnsetAndValuesAreStripped() {
    AwsIdentityEnv env =
        AwsIdentityEnv.of(
            Map.of(
                "AWS_ROLE_ARN", " ",
                "AWS_WEB_IDENTITY_TOKEN_FILE", "/t",
                "AWS_DEFAULT_REGION", " eu-central-1\n"));

    assertThat(env.source()).isEqualTo(Source.DEFAULT_CHAIN);
    assertThat(env.get("AWS_ROLE_ARN")).isEmpty();
    assertThat(env.region()).contains("eu-central-1");
    assertThat(
            AwsIdentityEnv.of(Map.of("AWS_REGION", "us-west-2", "AWS_DEFAULT_REGION", "x"))
                .region())
        .contains("us-west-2");
  }

  @Test
  void toStringNamesVariablesOnly() {
    AwsIdentityEnv env =
        AwsIdentityEnv.of(merge(POD, Map.of("AWS_CONTAINER_AUTHORIZATION_TOKEN", "s3cr3t-token")));

    assertThat(env.toString())
        .contains("AWS_CONTAINER_AUTHORIZATION_TOKEN")
        .doesNotContain("s3cr3t")
        .doesNotContain("169.254");
  }
}
