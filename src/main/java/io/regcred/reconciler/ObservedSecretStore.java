package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.regcred.model.ManagedSecret;
import java.util.stream.Stream;

/**
 * The managed-Secret informer's store: it keeps each Secret as {@link ManagedSecret#observed} does,
 * without data and without labels or annotations that are not ours, whatever size the Secret has.
 */
final class ObservedSecretStore implements ItemStore<Secret> {

  private final BasicItemStore<Secret> items = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);

  @Override
  public String getKey(Secret secret) {
    return items.getKey(secret);
  }

  @Override
  public Secret put(String key, Secret secret) {
    return items.put(key, ManagedSecret.observed(secret));
  }

  @Override
  public Secret remove(String key) {
    return items.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return items.keySet();
  }

  @Override
  public Stream<Secret> values() {
    return items.values();
  }

  @Override
  public int size() {
    return items.size();
  }

  @Override
  public Secret get(String key) {
    return items.get(key);
  }
}
