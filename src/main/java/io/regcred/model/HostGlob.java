package io.regcred.model;

/**
 * One label of a keyring key's host against one label of an image's host, with the semantics of
 * Go's {@code path/filepath.Match}, which the kubelet uses: {@code *} matches any run of
 * characters, {@code ?} one, {@code [...]} a class, {@code \} escapes; a malformed pattern matches
 * nothing. Keys come from tenants' Secrets, so the work is linear in the pattern's and the name's
 * lengths: the pattern is checked once, a literal part after a {@code *} is found with a
 * Knuth-Morris-Pratt search where Go's first-fit search would find it, and the last part can only
 * fit at the name's end. (A class or {@code ?} after a {@code *} is tried at each start, as Go
 * does; a host Go's URL parser accepts has neither: {@code ?} ends the host, {@code [} may only
 * open it.)
 *
 * <p>Both strings are byte strings (one char per UTF-8 byte, see {@link KeyringUrl}); a name is an
 * image's host label, which the reference grammar keeps to ASCII letters, digits and hyphens.
 */
final class HostGlob {

  private static final char SEPARATOR = '/';

  private HostGlob() {}

  static boolean matches(String pattern, String name) {
    if (!wellFormed(pattern)) {
      return false;
    }
    int p = 0;
    int n = 0;
    while (p < pattern.length()) {
      boolean star = false;
      while (p < pattern.length() && pattern.charAt(p) == '*') {
        p++;
        star = true;
      }
      int chunkEnd = chunkEnd(pattern, p);
      boolean last = chunkEnd == pattern.length();
      if (star && p == chunkEnd) {
        // A trailing star matches the rest of the name unless it holds a separator.
        return name.indexOf(SEPARATOR, n) < 0;
      }
      // Where a star lets the chunk start: here, or after any character before a separator.
      int slash = name.indexOf(SEPARATOR, n);
      int latestStart = !star ? n : slash < 0 ? name.length() : slash;
      int end =
          last
              ? lastChunkEnd(pattern, p, chunkEnd, name, n, latestStart)
              : firstChunkEnd(pattern, p, chunkEnd, name, n, latestStart);
      if (end < 0) {
        return false;
      }
      n = end;
      p = chunkEnd;
    }
    return n == name.length();
  }

  /**
   * The last chunk must end where the name ends. Every chunk operator takes one character of an
   * ASCII name, so only one start fits.
   */
  private static int lastChunkEnd(
      String pattern, int from, int to, String name, int earliest, int latestStart) {
    int start = name.length() - operators(pattern, from, to);
    if (start < earliest || start > latestStart) {
      return -1;
    }
    return matchChunk(pattern, from, to, name, start);
  }

  /** The end of the chunk's first fit at a start in {@code [earliest, latestStart]}, or -1. */
  private static int firstChunkEnd(
      String pattern, int from, int to, String name, int earliest, int latestStart) {
    if (isLiteral(pattern, from, to)) {
      int start = indexOf(name, earliest, pattern, from, to);
      return start < 0 || start > latestStart ? -1 : start + (to - from);
    }
    for (int start = earliest; start <= latestStart; start++) {
      int end = matchChunk(pattern, from, to, name, start);
      if (end >= 0) {
        return end;
      }
    }
    return -1;
  }

  /** Where the chunk of single-character operators starting at {@code from} ends. */
  private static int chunkEnd(String pattern, int from) {
    boolean inRange = false;
    for (int i = from; i < pattern.length(); i++) {
      switch (pattern.charAt(i)) {
        case '\\' -> {
          if (i + 1 < pattern.length()) {
            i++;
          }
        }
        case '[' -> inRange = true;
        case ']' -> inRange = false;
        case '*' -> {
          if (!inRange) {
            return i;
          }
        }
        default -> {}
      }
    }
    return pattern.length();
  }

  /**
   * Matches {@code pattern[from, to)} against the name at {@code start}; the end of the match, or
   * -1. The pattern is well-formed ({@link #wellFormed}).
   */
  private static int matchChunk(String pattern, int from, int to, String name, int start) {
    int n = start;
    int p = from;
    while (p < to) {
      if (n >= name.length()) {
        return -1;
      }
      char c = name.charAt(n++);
      char op = pattern.charAt(p);
      if (op == '[') {
        p++;
        boolean negated = pattern.charAt(p) == '^';
        if (negated) {
          p++;
        }
        boolean in = false;
        int ranges = 0;
        while (!(pattern.charAt(p) == ']' && ranges > 0)) {
          if (pattern.charAt(p) == '\\') {
            p++;
          }
          char lo = pattern.charAt(p++);
          char hi = lo;
          if (pattern.charAt(p) == '-') {
            p++;
            if (pattern.charAt(p) == '\\') {
              p++;
            }
            hi = pattern.charAt(p++);
          }
          in |= lo <= c && c <= hi;
          ranges++;
        }
        p++;
        if (in == negated) {
          return -1;
        }
      } else if (op == '?') {
        p++;
        if (c == SEPARATOR) {
          return -1;
        }
      } else {
        if (op == '\\') {
          p++;
        }
        if (pattern.charAt(p++) != c) {
          return -1;
        }
      }
    }
    return n;
  }

  /** How many characters of the name {@code pattern[from, to)} takes. */
  private static int operators(String pattern, int from, int to) {
    int count = 0;
    for (int p = from; p < to; count++) {
      char op = pattern.charAt(p);
      if (op == '[') {
        p = classEnd(pattern, p);
      } else {
        p += op == '\\' ? 2 : 1;
      }
    }
    return count;
  }

  /** Just after the well-formed class that starts at {@code p}. */
  private static int classEnd(String pattern, int p) {
    p++;
    if (pattern.charAt(p) == '^') {
      p++;
    }
    int ranges = 0;
    while (!(pattern.charAt(p) == ']' && ranges > 0)) {
      p += pattern.charAt(p) == '\\' ? 2 : 1;
      if (pattern.charAt(p) == '-') {
        p += pattern.charAt(p + 1) == '\\' ? 3 : 2;
      }
      ranges++;
    }
    return p + 1;
  }

  private static boolean isLiteral(String pattern, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = pattern.charAt(i);
      if (c == '[' || c == '?' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether every chunk parses as Go's {@code matchChunk} parses it; Go reports {@code
   * ErrBadPattern} (no match) otherwise, wherever a match attempt reaches the flaw. A class bound
   * outside ASCII (only possible in a host that Go's URL parser refuses) counts as a flaw.
   */
  private static boolean wellFormed(String pattern) {
    int p = 0;
    while (p < pattern.length()) {
      while (p < pattern.length() && pattern.charAt(p) == '*') {
        p++;
      }
      int to = chunkEnd(pattern, p);
      while (p < to) {
        char op = pattern.charAt(p);
        if (op == '[') {
          p++;
          if (p < to && pattern.charAt(p) == '^') {
            p++;
          }
          int ranges = 0;
          while (true) {
            if (p < to && pattern.charAt(p) == ']' && ranges > 0) {
              p++;
              break;
            }
            p = classBound(pattern, p, to);
            if (p < 0) {
              return false;
            }
            if (pattern.charAt(p) == '-') {
              p = classBound(pattern, p + 1, to);
              if (p < 0) {
                return false;
              }
            }
            ranges++;
          }
        } else if (op == '\\') {
          if (p + 1 >= to) {
            return false;
          }
          p += 2;
        } else {
          p++;
        }
      }
    }
    return true;
  }

  /**
   * Go's {@code getEsc}: a possibly escaped class bound at {@code p}; the position after it, which
   * must still be inside the chunk, or -1.
   */
  private static int classBound(String pattern, int p, int to) {
    if (p >= to || pattern.charAt(p) == '-' || pattern.charAt(p) == ']') {
      return -1;
    }
    if (pattern.charAt(p) == '\\') {
      p++;
      if (p >= to) {
        return -1;
      }
    }
    if (pattern.charAt(p) >= 0x80) {
      return -1;
    }
    p++;
    return p < to ? p : -1;
  }

  /**
   * The first index at or after {@code from} where {@code pattern[pFrom, pTo)} occurs in {@code
   * text}, or -1: Knuth-Morris-Pratt, linear in both lengths.
   */
  private static int indexOf(String text, int from, String pattern, int pFrom, int pTo) {
    int m = pTo - pFrom;
    if (m == 0) {
      return from <= text.length() ? from : -1;
    }
    int[] fallback = new int[m];
    for (int i = 1, k = 0; i < m; i++) {
      while (k > 0 && pattern.charAt(pFrom + i) != pattern.charAt(pFrom + k)) {
        k = fallback[k - 1];
      }
      if (pattern.charAt(pFrom + i) == pattern.charAt(pFrom + k)) {
        k++;
      }
      fallback[i] = k;
    }
    for (int i = from, k = 0; i < text.length(); i++) {
      while (k > 0 && text.charAt(i) != pattern.charAt(pFrom + k)) {
        k = fallback[k - 1];
      }
      if (text.charAt(i) == pattern.charAt(pFrom + k)) {
        k++;
      }
      if (k == m) {
        return i - m + 1;
      }
    }
    return -1;
  }
}
