package io.regcred.model;

import io.regcred.api.v1alpha1.NamespaceTarget;
import io.regcred.api.v1alpha1.ServiceAccountTarget;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/** Which namespaces and ServiceAccounts a credential targets. */
public final class TargetSelection {

  private static final List<String> DEFAULT_SERVICE_ACCOUNTS = List.of("default");

  private TargetSelection() {}

  /**
   * The namespaces to write into: existing namespaces that are named or selected and neither
   * excluded by the credential nor denied by the operator's configuration (which no credential can
   * override: a selector of {@code {}} matches kube-system too). Terminating namespaces are left
   * out: nothing can be created there and their contents are going anyway.
   */
  public static SortedSet<String> namespaces(
      NamespaceTarget target, Collection<NamespaceView> all, Set<String> denied) {
    SortedSet<String> result = new TreeSet<>();
    for (NamespaceView ns : all) {
      if (targets(target, ns, denied)) {
        result.add(ns.name());
      }
    }
    return result;
  }

  /** Whether a credential (of any completeness) targets this one namespace. */
  public static boolean targets(
      io.regcred.api.v1alpha1.ClusterRegistryCredential credential,
      NamespaceView ns,
      Set<String> denied) {
    return credential.getSpec() != null
        && credential.getSpec().getTarget() != null
        && targets(credential.getSpec().getTarget().getNamespaces(), ns, denied);
  }

  /** Whether the credential's target includes this one namespace (see {@link #namespaces}). */
  public static boolean targets(NamespaceTarget target, NamespaceView ns, Set<String> denied) {
    if (target == null
        || ns.terminating()
        || denied.contains(ns.name())
        || (target.getExclude() != null && target.getExclude().contains(ns.name()))) {
      return false;
    }
    return (target.getNames() != null && target.getNames().contains(ns.name()))
        || SelectorMatcher.matches(target.getSelector(), ns.labels());
  }

  /** The reason reported for a namespace a credential names but the operator denies. */
  public static final String DENIED = Reason.NamespaceDenied.name();

  /**
   * Namespaces the credential names outright that exist but are on the operator's deny list: the
   * admin asked for them, so status says why they get nothing.
   */
  public static SortedSet<String> deniedNames(
      NamespaceTarget target, Collection<NamespaceView> all, Set<String> denied) {
    SortedSet<String> result = new TreeSet<>();
    if (target == null || target.getNames() == null) {
      return result;
    }
    for (NamespaceView ns : all) {
      if (!ns.terminating()
          && denied.contains(ns.name())
          && target.getNames().contains(ns.name())) {
        result.add(ns.name());
      }
    }
    return result;
  }

  /**
   * Whether a ServiceAccount is selected; with neither names nor selector, only {@code default}.
   */
  public static boolean serviceAccountSelected(
      ServiceAccountTarget target, String name, Map<String, String> labels) {
    if (target == null || (target.getNames() == null && target.getSelector() == null)) {
      return DEFAULT_SERVICE_ACCOUNTS.contains(name);
    }
    return (target.getNames() != null && target.getNames().contains(name))
        || SelectorMatcher.matches(target.getSelector(), labels == null ? Map.of() : labels);
  }

  /** ServiceAccounts named outright, which are patched as soon as they appear. */
  public static List<String> namedServiceAccounts(ServiceAccountTarget target) {
    if (target == null || (target.getNames() == null && target.getSelector() == null)) {
      return DEFAULT_SERVICE_ACCOUNTS;
    }
    return target.getNames() == null ? List.of() : target.getNames();
  }
}
