package io.regcred;

/** Labels the operator puts on the objects it writes, and selects them by. */
public final class Labels {

  /** Marks every Secret the operator writes; its informer watches only Secrets with this label. */
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";

  public static final String MANAGED_BY_VALUE = "regcred-operator";

  /** The ClusterRegistryCredential that owns a written Secret. */
  public static final String CREDENTIAL = "regcred.io/credential";

  /**
   * The namespaced RegistryCredential that owns a written Secret (in the Secret's namespace). A
   * label of its own, so that no Secret is ever taken for the other kind's.
   */
  public static final String NAMESPACED_CREDENTIAL = "regcred.io/namespaced-credential";

  /** The label selector for the managed-Secret informer. */
  public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + MANAGED_BY_VALUE;

  private Labels() {}
}
