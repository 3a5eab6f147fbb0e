package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TokenLifetimeTest {

  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  private static RegistryToken token(Instant issued, Duration lifetime) {
    return new RegistryToken(
        List.of(new RegistryAuth("r.example", "u", "p")),
        issued,
        Optional.of(issued.plus(lifetime)));
  }

  /** A row: source, token, whether it is refused. */
  private record Case(String name, String source, RegistryToken token, boolean refused) {}

  @Test
  void tokensOutsideTheirSourcesLifetimesAreRefused() {
    var cases =
        List.of(
            new Case("ECR 12 h", "ecr", token(NOW, Duration.ofHours(12)), false),
            new Case("ACR 3 h", "acr", token(NOW, Duration.ofHours(3)), false),
            new Case("Google 1 h", "gar", token(NOW, Duration.ofHours(1)), false),
            new Case("20 s (tests rotate fast)", "ecr", token(NOW, Duration.ofSeconds(20)), false),
            new Case("already expired", "ecr", token(NOW, Duration.ofHours(-1)), true),
            new Case("zero lifetime", "gar", token(NOW, Duration.ZERO), true),
            new Case("expires in 5 s", "acr", token(NOW, Duration.ofSeconds(5)), true),
            new Case("ECR until 2100", "ecr", token(NOW, Duration.ofDays(27_000)), true),
            new Case("ACR 1 day", "acr", token(NOW, Duration.ofDays(1)), true),
            new Case(
                "issued in the future",
                "ecr",
                token(NOW.plus(Duration.ofDays(1)), Duration.ofHours(1)),
                true),
            new Case(
                "issued long ago, expiring far ahead",
                "gar",
                token(NOW.minus(Duration.ofDays(2)), Duration.ofDays(3)),
                true),
            new Case(
                "no expiry from a cloud",
                "ecr",
                RegistryToken.permanent(List.of(new RegistryAuth("r", "u", "p")), NOW),
                true),
            new Case(
                "no expiry, static",
                "static",
                RegistryToken.permanent(List.of(new RegistryAuth("r", "u", "p")), NOW),
                false));
    for (Case c : cases) {
      assertThat(TokenLifetime.problem(c.source(), c.token(), NOW).isPresent())
          .as(c.name())
          .isEqualTo(c.refused());
    }
  }

  @Test
  void theProblemSaysWhatIsWrongWithoutTheToken() {
    var problem = TokenLifetime.problem("ecr", token(NOW, Duration.ofDays(27_000)), NOW);

    assertThat(problem).get().asString().contains("12 h").doesNotContain("\"p\"");
  }
}
