package io.regcred.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * kube-controller-manager (built by hack/testbin.sh) running only the named controllers against the
 * test API server, for as long as a test needs them. It serves nothing (no port), so it adds no
 * listener to the machine.
 */
final class ControllerManager implements AutoCloseable {

  private final Process process;
  private final Path log;

  private ControllerManager(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  static ControllerManager start(String... controllers) throws IOException {
    Path log = Files.createTempFile("kube-controller-manager", ".log");
    Process process =
        new ProcessBuilder(
                TestCluster.binary("kube-controller-manager").toString(),
                "--kubeconfig=" + TestCluster.kubeconfigFile(),
                "--controllers=" + String.join(",", controllers),
                "--leader-elect=false",
                "--secure-port=0")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    return new ControllerManager(process, log);
  }

  /** Where its output goes, for a failure message. */
  Path log() {
    return log;
  }

  boolean alive() {
    return process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
