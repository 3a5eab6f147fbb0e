package io.regcred.model;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a Pod itself says about pulling an image, for a pull-failure Event that names it. Anyone who
 * may create Events can write one about any Pod, so an Event is only believed as far as the Pod
 * bears it out: its status is the kubelet's to write, not the tenant's.
 */
public final class PodPullState {

  /** The kubelet's waiting reasons of a container whose image could not be pulled. */
  static final Set<String> PULL_FAILED = Set.of("ErrImagePull", "ImagePullBackOff");

  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern POD =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private PodPullState() {}

  /** How far the Pod bears the Event out. */
  public enum State {
    /** A container of that image waits because its pull failed. */
    FAILING,
    /** A container of that image has no state from the kubelet yet: look again shortly. */
    UNSETTLED,
    /** Nothing in the Pod says that image failed to pull. */
    NOT_FAILING
  }

  /**
   * Whether an Event may concern this Pod at all: an Event about a Pod lives in the Pod's namespace
   * (the kubelet writes it there), and the names are ones the API server could hold. Anything else
   * is not looked at, so a tenant's Event cannot make the operator read or report on a Pod of
   * another namespace, nor hand it a name of any size.
   */
  public static boolean plausible(String eventNamespace, String podNamespace, String podName) {
    return eventNamespace != null
        && eventNamespace.equals(podNamespace)
        && NAMESPACE.matcher(podNamespace).matches()
        && podName != null
        && podName.length() <= 253
        && POD.matcher(podName).matches();
  }

  public static State of(Pod pod, String image) {
    if (pod == null || pod.getSpec() == null) {
      return State.NOT_FAILING;
    }
    List<String> containers =
        Stream.concat(
                Optional.ofNullable(pod.getSpec().getContainers()).stream().flatMap(List::stream),
                Optional.ofNullable(pod.getSpec().getInitContainers()).stream()
                    .flatMap(List::stream))
            .filter(c -> image.equals(c.getImage()))
            .map(Container::getName)
            .toList();
    if (containers.isEmpty()) {
      return State.NOT_FAILING;
    }
    List<ContainerStatus> statuses = new ArrayList<>();
    if (pod.getStatus() != null) {
      Optional.ofNullable(pod.getStatus().getContainerStatuses()).ifPresent(statuses::addAll);
      Optional.ofNullable(pod.getStatus().getInitContainerStatuses()).ifPresent(statuses::addAll);
    }
    boolean unsettled = false;
    for (String name : containers) {
      Optional<ContainerStatus> status =
          statuses.stream().filter(s -> name.equals(s.getName())).findFirst();
      var waiting = status.map(ContainerStatus::getState).map(s -> s.getWaiting()).orElse(null);
      if (waiting != null && PULL_FAILED.contains(waiting.getReason())) {
        return State.FAILING;
      }
      // No status yet, or still being created: the kubelet writes the pull's outcome soon after
      // its Event.
      unsettled |=
          status.isEmpty()
              || (waiting != null && "ContainerCreating".equals(waiting.getReason()))
              || (waiting != null && "PodInitializing".equals(waiting.getReason()));
    }
    return unsettled ? State.UNSETTLED : State.NOT_FAILING;
  }
}
