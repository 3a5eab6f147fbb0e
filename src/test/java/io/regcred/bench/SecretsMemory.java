package io.regcred.bench;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.Labels;
import io.regcred.it.Fixtures;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * The operator's memory with Secrets that are none of its business: at N, again after many small
 * Secrets without labels, and again after large Secrets a tenant labelled as the operator's own
 * ({@link Labels#MANAGED_BY}, the label its Secret informer selects on). Each point is the heap in
 * use after a full collection ({@link HeapAfterGc}) and the RSS from /proc once it has settled
 * after that collection: a full collection may give memory back to the system (G1 does so
 * concurrently, within about a second), so RSS is compared on that same footing every time. The
 * Secrets are spread over the selected namespaces and deleted again at the end.
 */
final class SecretsMemory {

  /** The API server takes at most 1 MiB of data per Secret. */
  static final int TENANT_SECRET_BYTES = 1_000_000;

  /** After the last Secret is written, for the operator's watches to deliver what they will. */
  static final Duration SETTLE = Duration.ofSeconds(2);

  /**
   * Then, until the operator is idle: less CPU than this in a second. What it holds while it still
   * parses what its watches brought is its peak, not what it keeps; a heap read in the middle of
   * that measured how far it had got (ratios of 1.06 to 2.01 in runs of the same code).
   */
  static final long IDLE_CPU_MS_PER_SECOND = 50;

  static final Duration MAX_SETTLE = Duration.ofSeconds(60);

  record Sample(long rssMiB, double heapAfterGcMiB) {}

  private final KubernetesClient admin;
  private final Figures figures;

  SecretsMemory(KubernetesClient admin, Figures figures) {
    this.admin = admin;
    this.figures = figures;
  }

  void run(long pid, List<String> namespaces, int unrelated, int labelled) throws Exception {
    Sample atN = sample(pid);

    List<String> small = spread("unrelated-", unrelated, namespaces);
    String smallValue = Base64.getEncoder().encodeToString(new byte[32]);
    Fixtures.inParallel(16, small, key -> create(key, Map.of(), smallValue));
    long unrelatedSettleMs = settle(pid);
    Sample withUnrelated = sample(pid);

    List<String> large = spread("tenant-", labelled, namespaces);
    byte[] blob = new byte[TENANT_SECRET_BYTES];
    new Random(7).nextBytes(blob);
    String blobValue = Base64.getEncoder().encodeToString(blob);
    Fixtures.inParallel(
        8,
        large,
        key -> create(key, Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE), blobValue));
    long labelledSettleMs = settle(pid);
    Sample withLabelled = sample(pid);

    Fixtures.inParallel(16, small, this::delete);
    Fixtures.inParallel(16, large, this::delete);

    figures
        .put("heapAfterGcMiB", atN.heapAfterGcMiB())
        .put("rssAfterGcMiB", atN.rssMiB())
        .put("unrelatedSecrets", unrelated)
        .put("heapAfterGcWithUnrelatedSecretsMiB", withUnrelated.heapAfterGcMiB())
        .put("rssAfterGcWithUnrelatedSecretsMiB", withUnrelated.rssMiB())
        .put(
            "heapRatioUnrelatedSecrets",
            ratio(withUnrelated.heapAfterGcMiB(), atN.heapAfterGcMiB()))
        .put("rssRatioUnrelatedSecrets", ratio(withUnrelated.rssMiB(), atN.rssMiB()))
        .put("unrelatedSecretsSettleMs", unrelatedSettleMs)
        .put("tenantSecrets", labelled)
        .put("heapAfterGcWithTenantSecretsMiB", withLabelled.heapAfterGcMiB())
        .put("rssAfterGcWithTenantSecretsMiB", withLabelled.rssMiB())
        .put("heapRatioTenantSecrets", ratio(withLabelled.heapAfterGcMiB(), atN.heapAfterGcMiB()))
        .put("rssRatioTenantSecrets", ratio(withLabelled.rssMiB(), atN.rssMiB()))
        .put("tenantSecretsSettleMs", labelledSettleMs)
        .line(
            "operator memory, heap after GC / RSS: %.1f / %d MiB; + %d unrelated Secrets %.1f / %d"
                + " MiB; + %d labelled Secrets of 1 MiB %.1f / %d MiB",
            atN.heapAfterGcMiB(),
            atN.rssMiB(),
            unrelated,
            withUnrelated.heapAfterGcMiB(),
            withUnrelated.rssMiB(),
            labelled,
            withLabelled.heapAfterGcMiB(),
            withLabelled.rssMiB());
  }

  /** {@link #SETTLE}, then until the operator is idle; returns the time waited. */
  private static long settle(long pid) throws InterruptedException {
    return ProcessStats.awaitIdle(List.of(pid), IDLE_CPU_MS_PER_SECOND, SETTLE, MAX_SETTLE);
  }

  private static Sample sample(long pid) throws Exception {
    double heap = HeapAfterGc.mib(pid);
    return new Sample(settledRssKib(pid) / 1024, heap);
  }

  /** RSS once two reads 250 ms apart differ by less than 1 MiB (at most 10 s). */
  private static long settledRssKib(long pid) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    long rss = ProcessStats.rssKib(pid);
    while (System.nanoTime() < deadline) {
      Thread.sleep(250);
      long now = ProcessStats.rssKib(pid);
      if (Math.abs(now - rss) < 1024) {
        return now;
      }
      rss = now;
    }
    return rss;
  }

  /** {@code namespace/name} keys, round robin over the namespaces. */
  private static List<String> spread(String prefix, int count, List<String> namespaces) {
    return IntStream.range(0, count)
        .mapToObj(i -> namespaces.get(i % namespaces.size()) + "/" + prefix + i)
        .toList();
  }

  private void create(String key, Map<String, String> labels, String value) {
    String[] nsAndName = key.split("/");
    admin
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withNamespace(nsAndName[0])
                .withName(nsAndName[1])
                .withLabels(labels)
                .endMetadata()
                .withData(Map.of("value", value))
                .build())
        .create();
  }

  private void delete(String key) {
    String[] nsAndName = key.split("/");
    admin.secrets().inNamespace(nsAndName[0]).withName(nsAndName[1]).delete();
  }

  private static double ratio(double value, double before) {
    return Math.round(value / before * 100) / 100.0;
  }
}
