package io.regcred.it;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.KubernetesClients;
import io.regcred.OperatorMain;
import io.regcred.config.OperatorConfig;
import io.regcred.model.Timebase;
import io.regcred.provider.SourceSecrets;
import io.regcred.provider.TokenProvider;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The operator running in the test JVM against the test API server, as OperatorMain wires it. */
public final class RunningOperator implements AutoCloseable {

  private final OperatorMain main;
  private final KubernetesClient client;

  private RunningOperator(OperatorMain main, KubernetesClient client) {
    this.main = main;
    this.client = client;
  }

  /** Starts an operator whose namespace and source namespace are {@code namespace}. */
  public static RunningOperator start(KubernetesClient client, String namespace) {
    return start(client, config(namespace, Map.of()));
  }

  /**
   * The configuration of a test operator in {@code namespace}, parsed as the environment would be:
   * no leader election, two credentials at once, no HTTP endpoints, unless {@code settings} (more
   * {@code REGCRED_*} variables) say otherwise.
   */
  public static OperatorConfig config(String namespace, Map<String, String> settings) {
    Map<String, String> env = new HashMap<>();
    env.put("REGCRED_NAMESPACE", namespace);
    env.put("REGCRED_LEADER_ELECTION", "false");
    env.put("REGCRED_LEADER_IDENTITY", "test-operator");
    env.put("REGCRED_RECONCILE_CONCURRENCY", "2");
    env.put("REGCRED_HTTP_PORT", "0");
    env.putAll(settings);
    return OperatorConfig.fromEnv(env);
  }

  /** Starts an operator with the given configuration. */
  public static RunningOperator start(KubernetesClient client, OperatorConfig config) {
    KubernetesClient own = operatorClient(client);
    return start(own, new OperatorMain(config, own, Clock.systemUTC()));
  }

  /** Starts an operator with the given token providers (real SDKs pointed at local fakes). */
  public static RunningOperator start(
      KubernetesClient client,
      String namespace,
      Function<SourceSecrets, List<TokenProvider>> providers) {
    return start(client, namespace, Timebase.of(Clock.systemUTC()), providers);
  }

  /** Starts an operator on the given time (a simulated clock) with the given token providers. */
  public static RunningOperator start(
      KubernetesClient client,
      String namespace,
      Timebase time,
      Function<SourceSecrets, List<TokenProvider>> providers) {
    var config = config(namespace, Map.of());
    KubernetesClient own = operatorClient(client);
    return start(own, new OperatorMain(config, own, time, providers));
  }

  /** The operator gets its own client as production builds it, from the given one's config. */
  private static KubernetesClient operatorClient(KubernetesClient given) {
    var config = given.getConfiguration();
    given.close();
    return KubernetesClients.create(config);
  }

  private static RunningOperator start(KubernetesClient client, OperatorMain main) {
    main.start();
    return new RunningOperator(main, client);
  }

  public OperatorMain main() {
    return main;
  }

  @Override
  public void close() {
    main.close();
    client.close();
  }
}
