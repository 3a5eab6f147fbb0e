package io.regcred.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One challenge of a {@code WWW-Authenticate} header (RFC 7235 section 4.1): a scheme such as
 * {@code Basic} or {@code Bearer} with either auth-params ({@code realm="..."}) or a token68. The
 * header comes from the registry, which may be hostile, so {@link #parse} is bounded in size and
 * time, never throws, and drops a header value it cannot read whole rather than guess at it.
 *
 * @param scheme the auth-scheme in lower case (schemes are case-insensitive)
 * @param params auth-params by lower-case name (names are case-insensitive), values unquoted
 * @param token68 the token68 form instead of params, if the challenge uses it
 */
public record AuthChallenge(String scheme, Map<String, String> params, Optional<String> token68) {

  /**
   * Header text beyond this, over all values, is not read at all. A registry's challenge is a few
   * hundred characters; the bound keeps a hostile one from costing more than a small scan.
   */
  public static final int MAX_CHARS = 8 * 1024;

  public AuthChallenge {
    params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
  }

  /** Whether the scheme is {@code name}, compared without case. */
  public boolean is(String name) {
    return scheme.equalsIgnoreCase(name);
  }

  /** The value of the auth-param {@code name} (compared without case), if present. */
  public Optional<String> param(String name) {
    return Optional.ofNullable(params.get(name.toLowerCase(Locale.ROOT)));
  }

  /**
   * The challenges of all {@code WWW-Authenticate} values, in order. A value that is not valid RFC
   * 7235 syntax (or names a param twice in one challenge, which could make two readers see two
   * realms) contributes nothing; values longer than {@link #MAX_CHARS} together give no challenge.
   */
  public static List<AuthChallenge> parse(List<String> headerValues) {
    if (headerValues == null) {
      return List.of();
    }
    long total = 0;
    for (String value : headerValues) {
      total += value == null ? 0 : value.length();
    }
    if (total > MAX_CHARS) {
      return List.of();
    }
    List<AuthChallenge> challenges = new ArrayList<>();
    for (String value : headerValues) {
      if (value != null) {
        challenges.addAll(new Scanner(value).challenges());
      }
    }
    return List.copyOf(challenges);
  }

  /** A single header value. */
  public static List<AuthChallenge> parse(String headerValue) {
    return parse(headerValue == null ? List.of() : List.of(headerValue));
  }

  /**
   * A one-pass reader of one header value: linear in its length, no backtracking beyond a token.
   */
  private static final class Scanner {
    private final String s;
    private int i;

    Scanner(String s) {
      this.s = s;
    }

    /** The challenges of the whole value, or none if any part of it is malformed. */
    List<AuthChallenge> challenges() {
      List<AuthChallenge> out = new ArrayList<>();
      skipListSeparators();
      while (i < s.length()) {
        AuthChallenge challenge = challenge();
        if (challenge == null) {
          return List.of();
        }
        out.add(challenge);
        // challenge() stops at the end or after the comma that starts the next element.
        skipListSeparators();
      }
      return out;
    }

    /** challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]; null when malformed. */
    private AuthChallenge challenge() {
      String scheme = token();
      if (scheme == null) {
        return null;
      }
      String lowerScheme = scheme.toLowerCase(Locale.ROOT);
      Map<String, String> params = new LinkedHashMap<>();
      if (atEndOfElement()) {
        return endElement() ? new AuthChallenge(lowerScheme, params, Optional.empty()) : null;
      }
      if (!skipSpaces()) {
        return null; // the scheme must be followed by a space
      }
      if (atEndOfElement()) {
        return endElement() ? new AuthChallenge(lowerScheme, params, Optional.empty()) : null;
      }
      int start = i;
      if (!authParam(params)) {
        i = start;
        String token68 = token68();
        if (token68 == null) {
          return null;
        }
        return endElement() ? new AuthChallenge(lowerScheme, params, Optional.of(token68)) : null;
      }
      // More auth-params follow a comma; a token that is not followed by "=" starts a challenge.
      while (true) {
        skipOws();
        if (i >= s.length()) {
          return new AuthChallenge(lowerScheme, params, Optional.empty());
        }
        if (s.charAt(i) != ',') {
          return null;
        }
        skipListSeparators();
        if (i >= s.length()) {
          return new AuthChallenge(lowerScheme, params, Optional.empty());
        }
        int next = i;
        String name = token();
        skipOws();
        boolean isParam = name != null && i < s.length() && s.charAt(i) == '=';
        i = next;
        if (!isParam) {
          return new AuthChallenge(lowerScheme, params, Optional.empty());
        }
        if (!authParam(params)) {
          return null;
        }
      }
    }

    /** auth-param = token BWS "=" BWS ( token / quoted-string ); false when not one. */
    private boolean authParam(Map<String, String> params) {
      String name = token();
      if (name == null) {
        return false;
      }
      skipOws();
      if (i >= s.length() || s.charAt(i) != '=') {
        return false;
      }
      i++;
      skipOws();
      String value = i < s.length() && s.charAt(i) == '"' ? quotedString() : token();
      if (value == null) {
        return false;
      }
      // A repeated name is an error (RFC 7235 2.1): refusing it means no two readers disagree.
      return params.putIfAbsent(name.toLowerCase(Locale.ROOT), value) == null;
    }

    /** token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
    private String token68() {
      int start = i;
      while (i < s.length() && isToken68Char(s.charAt(i))) {
        i++;
      }
      if (i == start) {
        return null;
      }
      while (i < s.length() && s.charAt(i) == '=') {
        i++;
      }
      return s.substring(start, i);
    }

    /** quoted-string with quoted-pairs unescaped; null when unterminated or holding a CTL. */
    private String quotedString() {
      StringBuilder value = new StringBuilder();
      i++; // the opening quote
      while (i < s.length()) {
        char c = s.charAt(i++);
        if (c == '"') {
          return value.toString();
        }
        if (c == '\\') {
          if (i >= s.length()) {
            return null;
          }
          c = s.charAt(i++);
          if (!isQuotedPairChar(c)) {
            return null;
          }
        } else if (!isQdText(c)) {
          return null;
        }
        value.append(c);
      }
      return null;
    }

    private String token() {
      int start = i;
      while (i < s.length() && isTchar(s.charAt(i))) {
        i++;
      }
      return i == start ? null : s.substring(start, i);
    }

    /** Whether only whitespace remains before a comma or the end. */
    private boolean atEndOfElement() {
      int j = i;
      while (j < s.length() && isOws(s.charAt(j))) {
        j++;
      }
      return j >= s.length() || s.charAt(j) == ',';
    }

    /** Consumes whitespace and one comma (or the end); false if something else comes. */
    private boolean endElement() {
      skipOws();
      if (i >= s.length()) {
        return true;
      }
      if (s.charAt(i) == ',') {
        i++;
        return true;
      }
      return false;
    }

    /** Skips empty list elements: whitespace and commas ({@code #rule} allows them). */
    private void skipListSeparators() {
      while (i < s.length() && (isOws(s.charAt(i)) || s.charAt(i) == ',')) {
        i++;
      }
    }

    private boolean skipSpaces() {
      int start = i;
      while (i < s.length() && s.charAt(i) == ' ') {
        i++;
      }
      return i > start;
    }

    private void skipOws() {
      while (i < s.length() && isOws(s.charAt(i))) {
        i++;
      }
    }

    private static boolean isOws(char c) {
      return c == ' ' || c == '\t';
    }

    private static boolean isTchar(char c) {
      return (c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private static boolean isToken68Char(char c) {
      return (c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "-._~+/".indexOf(c) >= 0;
    }

    /** qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text */
    private static boolean isQdText(char c) {
      return c == '\t'
          || c == ' '
          || c == 0x21
          || (c >= 0x23 && c <= 0x5B)
          || (c >= 0x5D && c <= 0x7E)
          || (c >= 0x80 && c <= 0xFF);
    }

    /** quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ) */
    private static boolean isQuotedPairChar(char c) {
      return c == '\t' || c == ' ' || (c >= 0x21 && c <= 0x7E) || (c >= 0x80 && c <= 0xFF);
    }
  }
}
