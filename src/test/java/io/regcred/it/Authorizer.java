package io.regcred.it;

import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;

/** The API server's own authorizer, asked through a SubjectAccessReview. */
final class Authorizer {

  private Authorizer() {}

  /**
   * Whether {@code user} (in {@code groups}) may send one request.
   *
   * @param resource a resource, or resource/subresource
   * @param namespace "" for a cluster-scoped resource, or for a namespaced one in every namespace
   */
  static boolean allows(
      KubernetesClient admin,
      String user,
      List<String> groups,
      String verb,
      String group,
      String resource,
      String namespace) {
    String[] parts = resource.split("/", 2);
    return admin
        .authorization()
        .v1()
        .subjectAccessReview()
        .create(
            new SubjectAccessReviewBuilder()
                .withNewSpec()
                .withUser(user)
                .withGroups(groups)
                .withNewResourceAttributes()
                .withGroup(group)
                .withResource(parts[0])
                .withSubresource(parts.length > 1 ? parts[1] : null)
                .withVerb(verb)
                .withNamespace(namespace)
                .endResourceAttributes()
                .endSpec()
                .build())
        .getStatus()
        .getAllowed();
  }
}
