package io.regcred.bench;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.model.ManagedSecret;
import io.regcred.model.PullSecretEdit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The baseline: what the API server can take from one client doing nothing but the writes, with the
 * operator's client library and as many requests at once as the operator's write pool. One request
 * per object, no reads: Secrets are created and later replaced with the resourceVersion the create
 * returned; ServiceAccounts are updated from a list read before the clock starts (the operator's
 * informers have listed them too before it writes), with the resourceVersion as the same
 * precondition the operator uses. The bodies are the operator's own ({@link ManagedSecret#desired},
 * {@link PullSecretEdit#add}).
 */
final class RawWriter implements AutoCloseable {

  private final KubernetesClient client;
  private final int concurrency;
  private final ExecutorService pool;
  private final Map<String, Secret> secrets = new ConcurrentHashMap<>();
  private final Map<String, ServiceAccount> accounts = new ConcurrentHashMap<>();

  RawWriter(KubernetesClient client, int concurrency) {
    this.client = client;
    this.concurrency = concurrency;
    this.pool = Executors.newFixedThreadPool(concurrency);
  }

  /**
   * Reads some of the ServiceAccounts, as many at once as the pool sends, so that the client's
   * connections are open before the clock starts: the baseline is the limit, not a cold start.
   */
  void warmUp(List<ServiceAccount> listed) throws Exception {
    List<Callable<Object>> reads = new ArrayList<>();
    for (ServiceAccount account : listed.subList(0, Math.min(listed.size(), 4 * concurrency))) {
      reads.add(() -> client.resource(account).get());
    }
    run(reads);
  }

  /**
   * Creates each Secret and adds {@code entry} to each ServiceAccount; returns the nanoseconds from
   * the first request sent to the last answer.
   */
  long fanOut(List<Secret> desired, List<ServiceAccount> listed, String entry) throws Exception {
    List<Callable<Object>> writes = new ArrayList<>();
    for (int i = 0; i < Math.max(desired.size(), listed.size()); i++) {
      if (i < desired.size()) {
        Secret secret = desired.get(i);
        writes.add(
            () ->
                secrets.put(secret.getMetadata().getNamespace(), client.resource(secret).create()));
      }
      if (i < listed.size()) {
        ServiceAccount account = listed.get(i);
        writes.add(
            () ->
                accounts.put(
                    account.getMetadata().getNamespace(),
                    client.resource(PullSecretEdit.add(account, entry).orElseThrow()).update()));
      }
    }
    return run(writes);
  }

  /** Replaces every Secret written by {@link #fanOut} with its desired content in this form. */
  long rotate(Map<String, Secret> desiredByNamespace) throws Exception {
    List<Callable<Object>> writes = new ArrayList<>();
    secrets.forEach(
        (ns, written) ->
            writes.add(
                () ->
                    secrets.put(
                        ns,
                        client
                            .resource(
                                ManagedSecret.replacement(written, desiredByNamespace.get(ns)))
                            .update())));
    return run(writes);
  }

  /** Deletes what {@link #fanOut} wrote and takes the entries out again. */
  void undo(String entry) throws Exception {
    List<Callable<Object>> writes = new ArrayList<>();
    secrets.values().forEach(s -> writes.add(() -> client.resource(s).delete()));
    accounts
        .values()
        .forEach(
            sa ->
                writes.add(
                    () ->
                        client.resource(PullSecretEdit.remove(sa, entry).orElseThrow()).update()));
    run(writes);
    secrets.clear();
    accounts.clear();
  }

  private long run(List<Callable<Object>> writes) throws Exception {
    long start = System.nanoTime();
    List<Future<Object>> results = pool.invokeAll(writes);
    long elapsed = System.nanoTime() - start;
    for (Future<Object> result : results) {
      result.get(); // a failed write fails the benchmark
    }
    return elapsed;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
