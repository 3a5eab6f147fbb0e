package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.regcred.model.ManagedSecret;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes core/v1 Events about a ClusterRegistryCredential. The credential is cluster-scoped, and
 * the API server accepts Events about cluster-scoped objects only in the {@code default} namespace
 * (as for Nodes); {@code kubectl describe cregcred} finds them there. A repeat of the same event
 * increases its count instead of adding a new object.
 */
public class EventRecorder {

  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  private static final String COMPONENT = "regcred-operator";

  private final KubernetesClient client;

  /** Where Events about cluster-scoped objects must live; others live in their object's. */
  public static final String EVENT_NAMESPACE = "default";

  private final Clock clock;

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public void normal(HasMetadata about, String reason, String message) {
    record(about, "Normal", reason, message);
  }

  public void warning(HasMetadata about, String reason, String message) {
    record(about, "Warning", reason, message);
  }

  /** The Events a reconcile decided on, in order. */
  public void all(HasMetadata about, java.util.List<io.regcred.model.EventPlan.PlannedEvent> plan) {
    for (var event : plan) {
      record(about, event.warning() ? "Warning" : "Normal", event.reason(), event.message());
    }
  }

  private void record(HasMetadata about, String type, String reason, String message) {
    String name =
        about.getMetadata().getName()
            + "."
            + ManagedSecret.sha256(about.getMetadata().getUid() + type + reason + message)
                .substring(0, 16);
    String now =
        DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
    String objectNamespace = about.getMetadata().getNamespace();
    String namespace = objectNamespace == null ? EVENT_NAMESPACE : objectNamespace;
    try {
      var events = client.v1().events().inNamespace(namespace);
      Event existing = events.withName(name).get();
      if (existing != null) {
        existing.setCount(existing.getCount() == null ? 2 : existing.getCount() + 1);
        existing.setLastTimestamp(now);
        events.resource(existing).update();
        return;
      }
      events
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withName(name)
                  .withNamespace(namespace)
                  .endMetadata()
                  .withInvolvedObject(
                      new ObjectReferenceBuilder()
                          .withApiVersion(about.getApiVersion())
                          .withKind(about.getKind())
                          .withName(about.getMetadata().getName())
                          .withNamespace(objectNamespace)
                          .withUid(about.getMetadata().getUid())
                          .withResourceVersion(about.getMetadata().getResourceVersion())
                          .build())
                  .withType(type)
                  .withReason(reason)
                  .withMessage(message)
                  .withCount(1)
                  .withFirstTimestamp(now)
                  .withLastTimestamp(now)
                  .withNewSource()
                  .withComponent(COMPONENT)
                  .endSource()
                  .withReportingComponent(COMPONENT)
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      // An Event is advice, not state: failing to write one must not fail the reconcile.
      log.warn(
          "could not record event credential={} reason={} code={}",
          about.getMetadata().getName(),
          reason,
          e.getCode());
    }
  }
}
