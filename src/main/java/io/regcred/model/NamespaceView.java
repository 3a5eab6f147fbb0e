package io.regcred.model;

import java.util.Map;

/** What target selection needs to know of a namespace. */
public record NamespaceView(String name, Map<String, String> labels, boolean terminating) {

  public NamespaceView {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  public static NamespaceView active(String name, Map<String, String> labels) {
    return new NamespaceView(name, labels, false);
  }
}
