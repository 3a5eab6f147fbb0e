package io.regcred.model;

import java.util.Map;

/** What target selection needs to know of a namespace. */
public record NamespaceView(String name, Map<String, String> labels, boolean terminating) {

  public NamespaceView {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  /** What selection needs of a Namespace object; terminating once deletion has begun. */
  public static NamespaceView of(io.fabric8.kubernetes.api.model.Namespace ns) {
    boolean terminating =
        ns.getMetadata().getDeletionTimestamp() != null
            || (ns.getStatus() != null && "Terminating".equals(ns.getStatus().getPhase()));
    return new NamespaceView(ns.getMetadata().getName(), ns.getMetadata().getLabels(), terminating);
  }

  public static NamespaceView active(String name, Map<String, String> labels) {
    return new NamespaceView(name, labels, false);
  }
}
