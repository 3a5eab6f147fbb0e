package io.regcred.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * An informer store that keeps each object only as far as the operator reads it: objects tenants
 * can write (labelled Secrets, ServiceAccounts) cost the same memory whatever else is on them.
 */
final class TrimmingItemStore<T extends HasMetadata> implements ItemStore<T> {

  private final BasicItemStore<T> items = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);
  private final UnaryOperator<T> trim;

  TrimmingItemStore(UnaryOperator<T> trim) {
    this.trim = trim;
  }

  @Override
  public String getKey(T object) {
    return items.getKey(object);
  }

  @Override
  public T put(String key, T object) {
    return items.put(key, trim.apply(object));
  }

  @Override
  public T remove(String key) {
    return items.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return items.keySet();
  }

  @Override
  public Stream<T> values() {
    return items.values();
  }

  @Override
  public int size() {
    return items.size();
  }

  @Override
  public T get(String key) {
    return items.get(key);
  }
}
