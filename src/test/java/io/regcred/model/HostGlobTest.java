package io.regcred.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Go's {@code filepath.Match} on host labels; every row was checked against Go. */
class HostGlobTest {

  @ParameterizedTest(name = "{0} ~ {1}: {2}")
  @CsvSource(
      delimiter = '|',
      emptyValue = "",
      textBlock =
          """
          *         | abc        | true
          a*c       | abc        | true
          a*c       | ab         | false
          *b*       | abc        | true
          *b*       | ac         | false
          a?c       | abc        | true
          a?c       | ac         | false
          [a-c]b    | bb         | true
          [a-c]b    | db         | false
          [^a]b     | ab         | false
          [^a]b     | bb         | true
          \\*       | *          | true
          \\*       | a          | false
          *x        | xxxx       | true
          *ab*ab    | abab       | true
          *ab*ab    | aab        | false
          *aab      | aaab       | true
          *abcabd*  | abcabcabd  | true
          *abcabd   | abcabcabd  | true
          *abab*c   | abaababc   | true
          *abab*c   | abaabac    | false
          *aab*b    | aaabab     | true
          *a*b*c*   | cba        | false
          **a       | ba         | true
          a*b*c     | axxbyyc    | true
          a*b*c     | axxbyycz   | false
          f*o*o     | foooo      | true
          *?b       | ab         | true
          *?b       | b          | false
          ?*        | a          | true
          *[ab]     | c          | false
          ''        | ''         | true
          ''        | a          | false
          [fe80::1] | f          | true
          [fe80::1] | [fe80::1]  | false
          *a        | abababa/a  | false
          a*        | ab/c       | false
          """)
  void matchesAsGo(String pattern, String name, boolean matches) {
    assertThat(HostGlob.matches(pattern, name)).isEqualTo(matches);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          [    | a
          a[   | a
          a[   | ab
          []a] | a
          [a-] | a
          a\\  | a
          """)
  void malformedPatternsMatchNothing(String pattern, String name) {
    assertThat(HostGlob.matches(pattern, name)).isFalse();
  }

  @Test
  void hostilePatternsCostTheirLength() {
    String name = "a".repeat(63);
    String stars = "*a".repeat(500_000) + "*b";
    String longChunk = "*" + "a".repeat(1_000_000) + "*";
    long start = System.nanoTime();
    assertThat(HostGlob.matches(stars, name)).isFalse();
    assertThat(HostGlob.matches(longChunk, name)).isFalse();
    assertThat(HostGlob.matches("*" + "a".repeat(62) + "b*", name)).isFalse();
    assertThat(HostGlob.matches("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a", name)).isTrue();
    System.out.printf(
        "host glob: 2 MB of hostile patterns against a 63-character label in %.1f ms%n",
        (System.nanoTime() - start) / 1e6);
  }
}
