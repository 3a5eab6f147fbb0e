package io.regcred.it;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.KubernetesClients;
import io.regcred.OperatorMain;
import io.regcred.config.OperatorConfig;
import io.regcred.model.Timebase;
import io.regcred.provider.SourceSecrets;
import io.regcred.provider.TokenProvider;
import java.time.Clock;
import java.util.List;
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
    return start(
        client,
        new OperatorConfig(
            namespace, namespace, false, "regcred-operator-leader", "test-operator", 2, 8, 0));
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
    var config =
        new OperatorConfig(
            namespace, namespace, false, "regcred-operator-leader", "test-operator", 2, 8, 0);
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
