package io.regcred.model;

import io.regcred.api.v1alpha1.Selector;
import io.regcred.api.v1alpha1.SelectorRequirement;
import java.util.List;
import java.util.Map;

/** Kubernetes label-selector semantics over plain label maps. */
public final class SelectorMatcher {

  private SelectorMatcher() {}

  /**
   * Whether the labels satisfy the selector. A null selector matches nothing; an empty selector
   * ({@code {}}) matches everything, as in Kubernetes.
   */
  public static boolean matches(Selector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    if (selector.getMatchLabels() != null) {
      for (var required : selector.getMatchLabels().entrySet()) {
        if (!required.getValue().equals(labels.get(required.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (SelectorRequirement r : selector.getMatchExpressions()) {
        if (!matches(r, labels)) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean matches(SelectorRequirement r, Map<String, String> labels) {
    String value = labels.get(r.getKey());
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    return switch (r.getOperator()) {
      case In -> value != null && values.contains(value);
      case NotIn -> value == null || !values.contains(value);
      case Exists -> value != null;
      case DoesNotExist -> value == null;
    };
  }
}
