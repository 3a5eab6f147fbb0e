package io.regcred.it;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.regcred.OperatorMain;
import io.regcred.config.OperatorConfig;
import java.time.Clock;

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
        new OperatorConfig(namespace, namespace, false, "regcred-operator-leader", 2, 8, 0));
  }

  /** Starts an operator with the given configuration. */
  public static RunningOperator start(KubernetesClient client, OperatorConfig config) {
    var main = new OperatorMain(config, client, Clock.systemUTC());
    main.start();
    return new RunningOperator(main, client);
  }

  @Override
  public void close() {
    main.close();
    client.close();
  }
}
