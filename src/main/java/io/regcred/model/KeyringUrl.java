package io.regcred.model;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A docker config key, or an image's lookup name, as the kubelet's keyring reads it: through Go's
 * {@code net/url.Parse} of {@code https://<it>}, keeping the host ({@code host[:port]}, IPv6 in
 * brackets) and the unescaped path. Only what decides a match is kept; what Go's parser refuses
 * gives empty, and the kubelet ignores such a key.
 *
 * <p>Go parses bytes, so the strings here are byte strings: one char per UTF-8 byte ({@link
 * #bytes}). Keys sort, compare and unescape as they do in the kubelet, and a percent-escaped byte
 * is one char, never a surrogate half.
 */
record KeyringUrl(String host, String path) {

  private static final String HTTPS = "https://";
  private static final String HTTP = "http://";

  /** Characters Go's URL parser accepts in a host besides letters, digits and escapes. */
  private static final String HOST_PUNCTUATION = "!\"$&'()*+,-.:;<=>[]_~";

  /**
   * The keyring's key for a docker config key, as the kubelet's {@code BasicDockerKeyring.Add}
   * makes it: the scheme ({@code http://}, {@code https://}) dropped, a path {@code /v1/…} or
   * {@code /v2/…} read without the version, and a path of {@code /} or nothing dropped; so {@code
   * https://index.docker.io/v1/} is {@code index.docker.io}. Empty when the kubelet ignores the
   * key. A byte string.
   */
  static Optional<String> keyOf(String dockerConfigKey) {
    String value = bytes(dockerConfigKey);
    if (!value.startsWith(HTTPS) && !value.startsWith(HTTP)) {
      value = HTTPS + value;
    }
    return parse(value)
        .map(
            url -> {
              String path = url.path;
              if (path.startsWith("/v2/") || path.startsWith("/v1/")) {
                path = path.substring(3);
              }
              return path.isEmpty() || path.equals("/") ? url.host : url.host + path;
            });
  }

  /** Go's {@code ParseSchemelessURL}: a keyring key or an image's lookup name (byte strings). */
  static Optional<KeyringUrl> parseSchemeless(String s) {
    return parse(HTTPS + s);
  }

  /**
   * Whether this key covers the target (Go's {@code URLsMatch}): the same port, as many host
   * labels, each matching as a {@link HostGlob}, and this path a prefix of the target's (as
   * strings: {@code /lib} is a prefix of {@code /library/nginx}).
   */
  boolean covers(KeyringUrl target) {
    String[] glob = splitHostPort(host);
    String[] image = splitHostPort(target.host);
    if (!glob[1].equals(image[1])) {
      return false;
    }
    List<String> globLabels = labels(glob[0]);
    List<String> imageLabels = labels(image[0]);
    if (globLabels.size() != imageLabels.size() || !target.path.startsWith(path)) {
      return false;
    }
    for (int i = 0; i < globLabels.size(); i++) {
      if (!HostGlob.matches(globLabels.get(i), imageLabels.get(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The string as Go sees it: one char per UTF-8 byte. An unpaired surrogate (a JSON escape Go's
   * decoder would have replaced) becomes U+FFFD, as there.
   */
  static String bytes(String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8); // unpaired surrogates become '?'
    StringBuilder sane = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean paired =
          Character.isHighSurrogate(c)
                  && i + 1 < s.length()
                  && Character.isLowSurrogate(s.charAt(i + 1))
              || Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
      if (Character.isSurrogate(c) && !paired) {
        if (sane == null) {
          sane = new StringBuilder(s.substring(0, i));
        }
        sane.append('\uFFFD');
      } else if (sane != null) {
        sane.append(c);
      }
    }
    if (sane != null) {
      utf8 = sane.toString().getBytes(StandardCharsets.UTF_8);
    }
    return new String(utf8, StandardCharsets.ISO_8859_1);
  }

  /** Go's {@code url.Parse} of an {@code http://} or {@code https://} URL, reduced. */
  private static Optional<KeyringUrl> parse(String url) {
    int hash = url.indexOf('#');
    String rest = hash < 0 ? url : url.substring(0, hash);
    if (hash >= 0 && unescape(url.substring(hash + 1), Mode.OTHER) == null
        || hasControlByte(rest)) {
      return Optional.empty();
    }
    rest = rest.substring(rest.indexOf(':') + 1); // after the scheme: "//authority/path?query"
    int query = rest.indexOf('?');
    if (query >= 0) {
      rest = rest.substring(0, query);
    }
    String authority = rest.substring(2);
    String path = "";
    int slash = authority.indexOf('/');
    if (slash >= 0) {
      path = authority.substring(slash);
      authority = authority.substring(0, slash);
    }
    String host = parseAuthority(authority);
    path = unescape(path, Mode.OTHER);
    return host == null || path == null
        ? Optional.empty()
        : Optional.of(new KeyringUrl(host, path));
  }

  /** The host of {@code [userinfo@]host[:port]}, or null. */
  private static String parseAuthority(String authority) {
    int at = authority.lastIndexOf('@');
    String host = parseHost(at < 0 ? authority : authority.substring(at + 1));
    if (host == null || at < 0) {
      return host;
    }
    String userinfo = authority.substring(0, at);
    for (int i = 0; i < userinfo.length(); i++) {
      char c = userinfo.charAt(i);
      if (!isAlnum(c) && "-._:~!$&'()*+,;=%@".indexOf(c) < 0) {
        return null;
      }
    }
    return unescape(userinfo, Mode.OTHER) == null ? null : host;
  }

  /**
   * Go's {@code parseHost}, as built into kubelets of Kubernetes 1.34 (Go 1.24 semantics: the port
   * follows the last colon): the unescaped host, or null.
   */
  private static String parseHost(String host) {
    int open = host.lastIndexOf('[');
    if (open > 0) {
      return null;
    }
    if (open == 0) {
      int close = host.lastIndexOf(']');
      if (close < 0) {
        return null;
      }
      String colonPort = host.substring(close + 1);
      if (!isOptionalPort(colonPort)) {
        return null;
      }
      String literal = host.substring(1, close);
      int zone = literal.indexOf("%25");
      String address =
          zone < 0
              ? unescape(literal, Mode.HOST)
              : concat(
                  unescape(literal.substring(0, zone), Mode.HOST),
                  unescape(literal.substring(zone), Mode.ZONE));
      return address != null && isIpv6(address) ? "[" + address + "]" + colonPort : null;
    }
    int colon = host.lastIndexOf(':');
    if (colon >= 0 && !isOptionalPort(host.substring(colon))) {
      return null;
    }
    return unescape(host, Mode.HOST);
  }

  private static String concat(String a, String b) {
    return a == null || b == null ? null : a + b;
  }

  /** Empty, or {@code :} and digits (possibly none). */
  private static boolean isOptionalPort(String s) {
    if (s.isEmpty()) {
      return true;
    }
    if (s.charAt(0) != ':') {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  private enum Mode {
    HOST,
    ZONE,
    OTHER
  }

  /** Go's {@code unescape}: percent escapes decoded (one char per byte), or null. */
  private static String unescape(String s, Mode mode) {
    StringBuilder out = null;
    for (int i = 0; i < s.length(); ) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length() || !isHex(s.charAt(i + 1)) || !isHex(s.charAt(i + 2))) {
          return null;
        }
        boolean percent = s.startsWith("%25", i);
        int value =
            Character.digit(s.charAt(i + 1), 16) << 4 | Character.digit(s.charAt(i + 2), 16);
        // In a host only bytes outside ASCII may be escaped (and % itself, for IPv6 zones).
        if (mode == Mode.HOST && value < 0x80 && !percent) {
          return null;
        }
        if (mode == Mode.ZONE && !percent && value != ' ' && !isHostChar(value)) {
          return null;
        }
        if (out == null) {
          out = new StringBuilder(s.substring(0, i));
        }
        out.append((char) value);
        i += 3;
      } else {
        if (mode != Mode.OTHER && c < 0x80 && !isHostChar(c)) {
          return null;
        }
        if (out != null) {
          out.append(c);
        }
        i++;
      }
    }
    return out == null ? s : out.toString();
  }

  private static boolean isHostChar(int c) {
    return c < 0x80 && (isAlnum((char) c) || HOST_PUNCTUATION.indexOf(c) >= 0);
  }

  private static boolean hasControlByte(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < ' ' || s.charAt(i) == 0x7f) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether Go's {@code netip.ParseAddr} reads an IPv6 address (with an optional zone, an embedded
   * IPv4 address in the last 32 bits) that is not an IPv4 address.
   */
  static boolean isIpv6(String s) {
    int first = 0;
    while (first < s.length() && ".:%".indexOf(s.charAt(first)) < 0) {
      first++;
    }
    if (first == s.length() || s.charAt(first) != ':') {
      return false; // IPv4, a zone without an address, or no address at all
    }
    int zone = s.indexOf('%');
    if (zone >= 0) {
      if (zone == s.length() - 1) {
        return false;
      }
      s = s.substring(0, zone);
    }
    int bytes = 0;
    boolean ellipsis = false;
    int i = 0;
    if (s.startsWith("::")) {
      ellipsis = true;
      i = 2;
      if (i == s.length()) {
        return true;
      }
    }
    while (bytes < 16) {
      int start = i;
      while (i < s.length() && isHex(s.charAt(i))) {
        if (i - start > 3) {
          return false;
        }
        i++;
      }
      if (i == start) {
        return false;
      }
      if (i < s.length() && s.charAt(i) == '.') {
        if (!ellipsis && bytes != 12 || bytes + 4 > 16 || !isIpv4(s.substring(start))) {
          return false;
        }
        bytes += 4;
        i = s.length();
        break;
      }
      bytes += 2;
      if (i == s.length()) {
        break;
      }
      if (s.charAt(i) != ':' || i + 1 == s.length()) {
        return false;
      }
      i++;
      if (s.charAt(i) == ':') {
        if (ellipsis) {
          return false;
        }
        ellipsis = true;
        i++;
        if (i == s.length()) {
          break;
        }
      }
    }
    if (i != s.length()) {
      return false;
    }
    return bytes < 16 ? ellipsis : !ellipsis;
  }

  /** Four decimal fields of at most 255, without leading zeros. */
  private static boolean isIpv4(String s) {
    int fields = 0;
    int value = 0;
    int digits = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        if (digits == 1 && value == 0) {
          return false;
        }
        value = value * 10 + (c - '0');
        digits++;
        if (value > 255) {
          return false;
        }
      } else if (c == '.') {
        if (i == 0 || i == s.length() - 1 || s.charAt(i - 1) == '.' || fields == 3) {
          return false;
        }
        fields++;
        value = 0;
        digits = 0;
      } else {
        return false;
      }
    }
    return fields == 3;
  }

  /**
   * Go's {@code net.SplitHostPort}: {host, port}, the brackets of an IPv6 host removed; when it
   * fails (no port, too many colons) the whole as host and no port, as the kubelet reads it.
   */
  static String[] splitHostPort(String hostPort) {
    String[] whole = {hostPort, ""};
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) {
      return whole;
    }
    String host;
    int from = 0;
    int closeFrom = 0;
    if (hostPort.startsWith("[")) {
      int end = hostPort.indexOf(']');
      if (end < 0 || end + 1 != colon) {
        return whole;
      }
      host = hostPort.substring(1, end);
      from = 1;
      closeFrom = end + 1;
    } else {
      host = hostPort.substring(0, colon);
      if (host.indexOf(':') >= 0) {
        return whole;
      }
    }
    if (hostPort.indexOf('[', from) >= 0 || hostPort.indexOf(']', closeFrom) >= 0) {
      return whole;
    }
    return new String[] {host, hostPort.substring(colon + 1)};
  }

  /** Go's {@code strings.Split(host, ".")}: empty labels kept. */
  private static List<String> labels(String host) {
    List<String> labels = new ArrayList<>();
    int start = 0;
    for (int dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', start)) {
      labels.add(host.substring(start, dot));
      start = dot + 1;
    }
    labels.add(host.substring(start));
    return labels;
  }

  private static boolean isAlnum(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
  }

  private static boolean isHex(char c) {
    return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
  }
}
