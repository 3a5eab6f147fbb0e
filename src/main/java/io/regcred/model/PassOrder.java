package io.regcred.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** The order in which a pass writes its namespaces. */
public final class PassOrder {

  private PassOrder() {}

  /**
   * Namespaces that have none of the credential's Secrets yet first, each group in the order given.
   * They cannot pull at all, while the others hold a token that still works: a namespace created
   * just before a rotation of thousands starts is written first, not after them.
   */
  public static List<String> unservedFirst(List<String> namespaces, Predicate<String> served) {
    List<String> unserved = new ArrayList<>();
    List<String> rest = new ArrayList<>(namespaces.size());
    for (String ns : namespaces) {
      (served.test(ns) ? rest : unserved).add(ns);
    }
    unserved.addAll(rest);
    return unserved;
  }
}
