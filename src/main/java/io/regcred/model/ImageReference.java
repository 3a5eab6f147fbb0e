package io.regcred.model;

import java.util.Locale;
import java.util.Optional;

/**
 * A container image as the kubelet reads it before it looks up pull credentials: normalised with
 * the Docker naming rules of {@code github.com/distribution/reference} ({@code
 * ParseNormalizedNamed}), so {@code nginx} is {@code docker.io/library/nginx:latest}, {@code
 * user/app} is {@code docker.io/user/app:latest}, and a first component holding a {@code .} or a
 * {@code :}, equal to {@code localhost} or holding an upper-case letter is the registry.
 *
 * <p>{@code tag} is {@code latest} when the image names neither tag nor digest, and null when it
 * names only a digest; {@code digest} is null when the image names none. Image names come from Pods
 * and Events anyone who can create a Pod writes, so {@link #parse} never throws and reads at most
 * {@link #MAX_LENGTH} characters, in one pass per component.
 */
public record ImageReference(String registry, String repository, String tag, String digest) {

  /** Docker Hub's registry, as normalised names spell it. */
  public static final String DOCKER_HUB = "docker.io";

  /** Docker Hub's legacy name, which image names may use for {@link #DOCKER_HUB}. */
  static final String LEGACY_DOCKER_HUB = "index.docker.io";

  private static final String OFFICIAL_PREFIX = "library/";
  private static final String DEFAULT_TAG = "latest";
  private static final String LOCALHOST = "localhost";

  /** The longest repository path the reference grammar allows, {@code library/} included. */
  static final int MAX_PATH_LENGTH = 255;

  /**
   * Longer strings are no image a registry serves: a host name has at most 253 characters, the
   * repository path 255, a tag 128 and a digest 135 (sha512).
   */
  public static final int MAX_LENGTH = 1024;

  /**
   * The image's reference, or empty when the kubelet would refuse it ({@code couldn't parse image
   * name}): too long, a repository with upper-case letters, a bad tag or digest, a 64-character hex
   * string (an image ID, not a name).
   */
  public static Optional<ImageReference> parse(String image) {
    if (image == null || image.isEmpty() || image.length() > MAX_LENGTH || isImageId(image)) {
      return Optional.empty();
    }
    String domain;
    String remainder;
    int slash = image.indexOf('/');
    if (slash < 0) {
      domain = DOCKER_HUB;
      remainder = OFFICIAL_PREFIX + image;
    } else {
      String first = image.substring(0, slash);
      String rest = image.substring(slash + 1);
      if (first.equals(LOCALHOST)) {
        domain = first;
        remainder = rest;
      } else if (first.equals(LEGACY_DOCKER_HUB)) {
        domain = DOCKER_HUB;
        remainder = rest;
      } else if (first.indexOf('.') >= 0
          || first.indexOf(':') >= 0
          || !first.toLowerCase(Locale.ROOT).equals(first)) {
        domain = first;
        remainder = rest;
      } else {
        domain = DOCKER_HUB;
        remainder = image;
      }
      if (domain.equals(DOCKER_HUB) && remainder.indexOf('/') < 0) {
        remainder = OFFICIAL_PREFIX + remainder;
      }
    }
    // An upper-case letter in the repository fails its grammar below.
    return reference(domain, remainder);
  }

  /**
   * The name the kubelet looks its keyring up with (the normalised name without tag or digest),
   * e.g. {@code docker.io/library/nginx} or {@code 127.0.0.1:5000/team/app}.
   */
  public String lookupName() {
    return registry + "/" + repository;
  }

  @Override
  public String toString() {
    return lookupName() + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
  }

  /** {@code domain/remainder} against the reference grammar: name, optional tag and digest. */
  private static Optional<ImageReference> reference(String domain, String remainder) {
    String digest = null;
    int at = remainder.indexOf('@');
    if (at >= 0) {
      digest = remainder.substring(at + 1);
      remainder = remainder.substring(0, at);
      if (!isDigest(digest)) {
        return Optional.empty();
      }
    }
    String tag = null;
    int colon = remainder.lastIndexOf(':');
    if (colon >= 0) {
      // The domain is split off, so a colon here can only start the tag.
      tag = remainder.substring(colon + 1);
      remainder = remainder.substring(0, colon);
      if (!isTag(tag)) {
        return Optional.empty();
      }
    }
    if (!isRemoteName(remainder)) {
      return Optional.empty();
    }
    // A first component that is no valid host (say a_b.com) is read as part of the path; the
    // kubelet's lookup name and the host the runtime contacts are the same either way.
    int pathLength =
        isDomainAndPort(domain) ? remainder.length() : domain.length() + 1 + remainder.length();
    if (!isDomainAndPort(domain) && !isPathComponent(domain, 0, domain.length())
        || pathLength > MAX_PATH_LENGTH) {
      return Optional.empty();
    }
    if (tag == null && digest == null) {
      tag = DEFAULT_TAG;
    }
    return Optional.of(new ImageReference(domain, remainder, tag, digest));
  }

  /** {@code [a-f0-9]{64}}: an image ID, which is no name. */
  private static boolean isImageId(String s) {
    if (s.length() != 64) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!isLowerHex(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code algorithm:hex} with an algorithm the kubelet can verify: sha256, sha384 or sha512 in
   * lower-case hex of the hash's length (go-digest's validation after the reference grammar).
   */
  private static boolean isDigest(String s) {
    int colon = s.indexOf(':');
    if (colon < 0) {
      return false;
    }
    int hexLength =
        switch (s.substring(0, colon)) {
          case "sha256" -> 64;
          case "sha384" -> 96;
          case "sha512" -> 128;
          default -> -1;
        };
    if (s.length() - colon - 1 != hexLength) {
      return false;
    }
    for (int i = colon + 1; i < s.length(); i++) {
      if (!isLowerHex(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** {@code [\w][\w.-]{0,127}}. */
  private static boolean isTag(String s) {
    if (s.isEmpty() || s.length() > 128 || !isWord(s.charAt(0))) {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!isWord(c) && c != '.' && c != '-') {
        return false;
      }
    }
    return true;
  }

  /** Path components separated by {@code /}. */
  private static boolean isRemoteName(String s) {
    int start = 0;
    while (true) {
      int end = s.indexOf('/', start);
      if (!isPathComponent(s, start, end < 0 ? s.length() : end)) {
        return false;
      }
      if (end < 0) {
        return true;
      }
      start = end + 1;
    }
  }

  /** {@code [a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*} on {@code s[from, to)}. */
  private static boolean isPathComponent(String s, int from, int to) {
    int i = from;
    while (true) {
      int run = i;
      while (i < to && isLowerAlnum(s.charAt(i))) {
        i++;
      }
      if (i == run) {
        return false;
      }
      if (i == to) {
        return true;
      }
      char c = s.charAt(i);
      if (c == '.') {
        i++;
      } else if (c == '_') {
        i += i + 1 < to && s.charAt(i + 1) == '_' ? 2 : 1;
      } else if (c == '-') {
        while (i < to && s.charAt(i) == '-') {
          i++;
        }
      } else {
        return false;
      }
    }
  }

  /** A host name or a bracketed IPv6 address, then an optional {@code :port}. */
  private static boolean isDomainAndPort(String s) {
    int portColon;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 2) {
        return false;
      }
      for (int i = 1; i < close; i++) {
        char c = s.charAt(i);
        if (!(isHex(c) || c == ':')) {
          return false;
        }
      }
      if (close + 1 == s.length()) {
        return true;
      }
      portColon = close + 1;
      if (s.charAt(portColon) != ':') {
        return false;
      }
    } else {
      portColon = s.indexOf(':');
      if (!isDomainName(s, portColon < 0 ? s.length() : portColon)) {
        return false;
      }
      if (portColon < 0) {
        return true;
      }
    }
    if (portColon + 1 == s.length()) {
      return false;
    }
    for (int i = portColon + 1; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  /**
   * Labels of letters, digits and inner hyphens, separated by dots, on {@code s[0, to)}: {@code
   * [a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.…)*}.
   */
  private static boolean isDomainName(String s, int to) {
    int start = 0;
    while (true) {
      int end = s.indexOf('.', start);
      if (end < 0 || end > to) {
        end = to;
      }
      if (end == start || !isAlnum(s.charAt(start)) || !isAlnum(s.charAt(end - 1))) {
        return false;
      }
      for (int i = start; i < end; i++) {
        if (!isAlnum(s.charAt(i)) && s.charAt(i) != '-') {
          return false;
        }
      }
      if (end == to) {
        return true;
      }
      start = end + 1;
    }
  }

  private static boolean isLowerAlnum(char c) {
    return c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
  }

  private static boolean isAlnum(char c) {
    return isLowerAlnum(c) || c >= 'A' && c <= 'Z';
  }

  private static boolean isWord(char c) {
    return isAlnum(c) || c == '_';
  }

  private static boolean isLowerHex(char c) {
    return c >= '0' && c <= '9' || c >= 'a' && c <= 'f';
  }

  private static boolean isHex(char c) {
    return isLowerHex(c) || c >= 'A' && c <= 'F';
  }
}
