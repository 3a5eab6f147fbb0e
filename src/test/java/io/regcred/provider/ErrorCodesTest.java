package io.regcred.provider;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ErrorCodesTest {

  @Test
  void knownCodesAreShown() {
    assertThat(ErrorCodes.oauth("invalid_grant")).isEqualTo("invalid_grant");
    assertThat(ErrorCodes.googleStatus("PERMISSION_DENIED")).isEqualTo("PERMISSION_DENIED");
    assertThat(ErrorCodes.registry("UNAUTHORIZED")).isEqualTo("UNAUTHORIZED");
    assertThat(ErrorCodes.aws("AccessDeniedException")).isEqualTo("AccessDeniedException");
  }

  @Test
  void whatOnlyLooksLikeACodeIsNot() {
    assertThat(ErrorCodes.oauth("ya29_a0aFakeTokenShapedCode")).isNull();
    assertThat(ErrorCodes.oauth("INVALID_GRANT")).isNull();
    assertThat(ErrorCodes.oauth(null)).isNull();
    assertThat(ErrorCodes.googleStatus("SECRET_VALUE")).isNull();
    assertThat(ErrorCodes.registry("invalid_grant")).isNull();
    assertThat(ErrorCodes.aws("AKIAIOSFODNN7EXAMPLE")).isNull();
    assertThat(ErrorCodes.aws("AccessDeniedException ")).isNull();
  }
}
