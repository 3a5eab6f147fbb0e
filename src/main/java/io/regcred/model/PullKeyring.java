package io.regcred.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which pull Secrets' credentials the kubelet tries for an image, and in which order: the kubelet's
 * {@code BasicDockerKeyring} ({@code k8s.io/kubernetes/pkg/credentialprovider}) built from a Pod's
 * {@code imagePullSecrets}. The kubelet tries them one after the other until a pull succeeds, and
 * pulls without credentials when none matches.
 *
 * <p>A key (a server in a Secret's {@code auths}) is normalised as {@code Add} does ({@link
 * KeyringUrl#keyOf}): scheme and a {@code /v1/} or {@code /v2/} path prefix dropped. Keys are tried
 * in reverse string order (more specific paths first), and a key matches an image's {@link
 * ImageReference#lookupName lookup name} when the ports are equal, the hosts have as many labels
 * and each label matches as a glob ({@code *.dkr.ecr.*.amazonaws.com}), and the key's path is a
 * string prefix of the image's. When no key matches an image the kubelet reads as Docker Hub's, the
 * credentials under exactly {@code index.docker.io} (so also {@code https://index.docker.io/v1/})
 * are used. Docker Hub images are named {@code docker.io/...}, so the key {@code docker.io} matches
 * them directly, and {@code registry-1.docker.io} never does.
 *
 * <p>Keys and images come from tenants: building is linear in the keys' length, a lookup linear in
 * their length and the image's, and nothing throws.
 *
 * @param <T> who owns a Secret, such as its name
 */
public final class PullKeyring<T> {

  /** Docker Hub's key in the kubelet's keyring, the one used when no key matches a Hub image. */
  static final String DOCKER_HUB_KEY = ImageReference.LEGACY_DOCKER_HUB;

  /**
   * A pull Secret as the keyring reads it: who owns it, and the keys of its docker config's {@code
   * auths} in the Secret's order.
   */
  public record PullSecret<T>(T owner, List<String> keys) {}

  /** One credential the kubelet tries: whose Secret, and the key it is under there. */
  public record Match<T>(T owner, String key) {}

  /** One normalised key, parsed once, and the credentials under it in the Secrets' order. */
  private record IndexEntry<T>(Optional<KeyringUrl> url, List<Match<T>> credentials) {}

  private final List<IndexEntry<T>> index;
  private final List<Match<T>> dockerHub;

  private PullKeyring(List<IndexEntry<T>> index, List<Match<T>> dockerHub) {
    this.index = index;
    this.dockerHub = dockerHub;
  }

  /**
   * The keyring of a Pod's pull Secrets, in the order of its {@code imagePullSecrets}. Keys the
   * kubelet ignores (ones Go's URL parser refuses) are left out; null Secrets and keys are skipped.
   */
  public static <T> PullKeyring<T> of(List<PullSecret<T>> secrets) {
    // Reverse order of the keys' bytes, as Go sorts them: one char per byte here.
    Map<String, List<Match<T>>> byKey = new TreeMap<>(Comparator.reverseOrder());
    if (secrets != null) {
      for (PullSecret<T> secret : secrets) {
        if (secret == null || secret.keys() == null) {
          continue;
        }
        // The keys of a JSON object, as the kubelet reads them into a Go map: each once.
        for (String key : new LinkedHashSet<>(secret.keys())) {
          if (key == null) {
            continue;
          }
          KeyringUrl.keyOf(key)
              .ifPresent(
                  k ->
                      byKey
                          .computeIfAbsent(k, x -> new ArrayList<>())
                          .add(new Match<>(secret.owner(), key)));
        }
      }
    }
    List<IndexEntry<T>> index = new ArrayList<>();
    byKey.forEach(
        (key, credentials) ->
            index.add(new IndexEntry<>(KeyringUrl.parseSchemeless(key), List.copyOf(credentials))));
    return new PullKeyring<>(
        List.copyOf(index), List.copyOf(byKey.getOrDefault(DOCKER_HUB_KEY, List.of())));
  }

  /**
   * The credentials the kubelet tries for the image, in its order; empty when it pulls without
   * credentials. Two keys of one Secret that normalise alike come in the Secret's order here; the
   * kubelet takes them in the order of a Go map, so any order.
   */
  public List<Match<T>> matches(ImageReference image) {
    if (image == null) {
      return List.of();
    }
    String name = KeyringUrl.bytes(image.lookupName());
    List<Match<T>> found = new ArrayList<>();
    Optional<KeyringUrl> target = KeyringUrl.parseSchemeless(name);
    if (target.isPresent()) {
      for (IndexEntry<T> entry : index) {
        if (entry.url().isPresent() && entry.url().get().covers(target.get())) {
          found.addAll(entry.credentials());
        }
      }
    }
    if (found.isEmpty() && isDockerHub(name)) {
      return dockerHub;
    }
    return List.copyOf(found);
  }

  /** Whose Secrets the kubelet tries for the image, first tried first, each once. */
  public List<T> lookup(ImageReference image) {
    LinkedHashSet<T> owners = new LinkedHashSet<>();
    for (Match<T> match : matches(image)) {
      owners.add(match.owner());
    }
    return Collections.unmodifiableList(new ArrayList<>(owners));
  }

  /**
   * Whether the kubelet would try a Secret with these keys for the image when it is the Pod's only
   * pull Secret. With others, a Secret whose only match is {@code index.docker.io} is tried only
   * when no key of any Secret matches ({@link #matches}).
   */
  public static boolean covers(Collection<String> keys, ImageReference image) {
    return keys != null
        && !of(List.of(new PullSecret<>(Boolean.TRUE, new ArrayList<>(keys))))
            .matches(image)
            .isEmpty();
  }

  /**
   * The kubelet's {@code isDefaultRegistryMatch} on a lookup name: a first component {@code
   * docker.io} or {@code index.docker.io}, or one without a dot or a colon (so {@code localhost}
   * and an upper-case host too, although the runtime pulls those from that host).
   */
  private static boolean isDockerHub(String name) {
    int slash = name.indexOf('/');
    String first = slash < 0 ? name : name.substring(0, slash);
    if (first.isEmpty()) {
      return false;
    }
    if (slash < 0
        || first.equals(ImageReference.DOCKER_HUB)
        || first.equals(ImageReference.LEGACY_DOCKER_HUB)) {
      return true;
    }
    return first.indexOf('.') < 0 && first.indexOf(':') < 0;
  }
}
