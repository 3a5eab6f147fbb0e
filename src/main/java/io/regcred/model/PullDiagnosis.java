package io.regcred.model;

import java.util.List;

/**
 * Why a Pod's pull was refused, for each credential whose registries serve the image: the admission
 * rules that put pull Secrets into a Pod, applied backwards. A Pod gets its ServiceAccount's {@code
 * imagePullSecrets} only when it is created and only when it lists none of its own.
 */
public final class PullDiagnosis {

  private PullDiagnosis() {}

  /** The Pod as the API server has it. */
  public record PodFacts(
      String namespace, String name, String serviceAccount, List<String> pullSecrets) {
    public PodFacts {
      pullSecrets = List.copyOf(pullSecrets);
    }
  }

  /** What one credential whose registries serve the image has done in the Pod's namespace. */
  public record CredentialFacts(
      String credential,
      String secretName,
      boolean targetsNamespace,
      boolean selectsServiceAccount,
      boolean serviceAccountListsSecret,
      boolean secretWritten) {}

  /** A cause, found for one credential, with what to do about it. */
  public record Finding(String credential, Reason cause, String message) {}

  /**
   * The causes, one per credential. When some of the credentials target the Pod's namespace only
   * those are concerned; when none does, each is told the namespace is not among its targets.
   */
  public static List<Finding> diagnose(PodFacts pod, String image, List<CredentialFacts> serving) {
    List<CredentialFacts> targeting =
        serving.stream().filter(CredentialFacts::targetsNamespace).toList();
    if (targeting.isEmpty()) {
      return serving.stream()
          .map(
              c ->
                  new Finding(
                      c.credential(),
                      Reason.NamespaceNotTargeted,
                      pulling(pod, image)
                          + "namespace "
                          + pod.namespace()
                          + " is not a target of this credential: add it to"
                          + " spec.target.namespaces (a name, or a label the selector matches)"))
          .toList();
    }
    return targeting.stream().map(c -> diagnose(pod, image, c)).toList();
  }

  private static Finding diagnose(PodFacts pod, String image, CredentialFacts c) {
    String secret = c.secretName();
    String account = pod.serviceAccount();
    if (pod.pullSecrets().contains(secret)) {
      return c.secretWritten()
          ? new Finding(
              c.credential(),
              Reason.CredentialRefused,
              pulling(pod, image)
                  + "the registry refused the login in Secret "
                  + secret
                  + ": the credential is wrong, lacks the permission, or expired; see the"
                  + " Verified and SourceAvailable conditions")
          : new Finding(
              c.credential(),
              Reason.SecretMissing,
              pulling(pod, image)
                  + "the Pod names Secret "
                  + secret
                  + ", which this credential has not written there yet; see the Synced"
                  + " condition and status.failures");
    }
    if (!pod.pullSecrets().isEmpty()) {
      return new Finding(
          c.credential(),
          Reason.PodNamesOtherSecrets,
          pulling(pod, image)
              + "the Pod lists imagePullSecrets of its own, so its ServiceAccount's are not"
              + " added: add "
              + secret
              + " to the Pod's imagePullSecrets");
    }
    if (c.serviceAccountListsSecret()) {
      return new Finding(
          c.credential(),
          Reason.PodCreatedBeforePatch,
          pulling(pod, image)
              + "the Pod was created before ServiceAccount "
              + account
              + " listed "
              + secret
              + ", and pull Secrets are copied only when a Pod is created: delete the Pod (its"
              + " controller creates it again with the Secret)");
    }
    if (!c.selectsServiceAccount()) {
      return new Finding(
          c.credential(),
          Reason.ServiceAccountNotSelected,
          pulling(pod, image)
              + "the Pod runs as ServiceAccount "
              + account
              + ", which spec.target.serviceAccounts does not select: select it there, or run"
              + " the Pod as a selected one");
    }
    return new Finding(
        c.credential(),
        Reason.ServiceAccountNotPatched,
        pulling(pod, image)
            + "ServiceAccount "
            + account
            + " is selected but does not list "
            + secret
            + " yet; see the Synced condition and status.failures");
  }

  private static String pulling(PodFacts pod, String image) {
    return "Pod " + pod.namespace() + "/" + pod.name() + " cannot pull " + image + ": ";
  }
}
