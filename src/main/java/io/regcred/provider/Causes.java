package io.regcred.provider;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Reading a cause chain for failure messages: by exception class only, never by text, since an
 * exception's message may quote a server's answer, a request or a token.
 */
public final class Causes {

  /** How many causes {@link #names} lists at most. */
  private static final int MAX_NAMES = 8;

  private Causes() {}

  /** The first exception of {@code type} along the cause chain of {@code e}, or null. */
  public static <T extends Throwable> T find(Throwable e, Class<T> type) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  /**
   * The simple class names along the cause chain, such as {@code MsalClientException <-
   * ConnectException}, leaving out repeats and the {@code wrappers} that have a cause.
   */
  public static String names(Throwable e, Set<Class<?>> wrappers) {
    List<String> names = new ArrayList<>();
    int depth = 0;
    for (Throwable t = e;
        t != null && depth++ < MAX_NAMES;
        t = t.getCause() == t ? null : t.getCause()) {
      if (wrappers.contains(t.getClass()) && t.getCause() != null) {
        continue;
      }
      String name = t.getClass().getSimpleName();
      if (names.isEmpty() || !names.get(names.size() - 1).equals(name)) {
        names.add(name);
      }
    }
    return String.join(" <- ", names);
  }
}
