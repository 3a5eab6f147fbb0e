package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.regcred.Annotations;
import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.testing.Credentials;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TokenStateTest {

  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final RegistryToken TOKEN =
      new RegistryToken(
          List.of(new RegistryAuth("1.dkr.ecr.eu-west-1.amazonaws.com", "AWS", "pw")),
          NOW.minus(Duration.ofHours(1)),
          Optional.of(NOW.plus(Duration.ofHours(11))));

  private static ClusterRegistryCredential credential(String uid) {
    return Credentials.named("ecr-prod").uid(uid).build();
  }

  @Test
  void aStoredTokenIsReadBackForTheSameCredentialAndSpec() {
    Secret stored = TokenState.toSecret("regcred-system", credential("uid-1"), TOKEN, "h");

    assertThat(stored.getMetadata().getNamespace()).isEqualTo("regcred-system");
    assertThat(stored.getMetadata().getName()).isEqualTo("regcred-token-ecr-prod");
    assertThat(stored.getType()).isEqualTo(TokenState.SECRET_TYPE);
    assertThat(TokenState.read(stored, credential("uid-1"), "ecr", "h", NOW)).contains(TOKEN);
  }

  @Test
  void anotherSpecAnotherCredentialOrAnUnusableLifetimeIsNotReused() {
    Secret stored = TokenState.toSecret("ns", credential("uid-1"), TOKEN, "h");
    Secret extended =
        new SecretBuilder(stored)
            .editMetadata()
            .addToAnnotations(Annotations.EXPIRES_AT, "2100-01-01T00:00:00Z")
            .endMetadata()
            .build();
    Secret retyped = new SecretBuilder(stored).withType("Opaque").build();

    assertThat(TokenState.read(stored, credential("uid-1"), "ecr", "other-spec", NOW)).isEmpty();
    assertThat(TokenState.read(stored, credential("uid-2"), "ecr", "h", NOW)).isEmpty();
    assertThat(
            TokenState.read(
                stored, credential("uid-1"), "ecr", "h", NOW.plus(Duration.ofHours(12))))
        .isEmpty();
    assertThat(TokenState.read(extended, credential("uid-1"), "ecr", "h", NOW)).isEmpty();
    assertThat(TokenState.read(retyped, credential("uid-1"), "ecr", "h", NOW)).isEmpty();
  }

  @Test
  void longCredentialNamesGetAShortenedStableName() {
    String name = "a".repeat(250);

    assertThat(TokenState.secretName(name)).hasSize(253).isEqualTo(TokenState.secretName(name));
    assertThat(TokenState.secretName(name)).isNotEqualTo(TokenState.secretName("a".repeat(251)));
  }
}
