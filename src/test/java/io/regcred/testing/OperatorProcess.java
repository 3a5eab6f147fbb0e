package io.regcred.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts the operator as its own JVM, {@code io.regcred.OperatorMain}, in one of two forms: from
 * {@code target/classes} and the runtime libraries {@code mvn package} copies to {@code target/lib}
 * ({@link #start}), or as the image ships it, the runtime payload of {@code hack/payload.sh} with
 * its jlink-trimmed JRE ({@link #startPayload}). The process sees only the given settings and
 * kubeconfig, no {@code REGCRED_*} or {@code AWS_*} variable the test JVM inherited, and appends
 * its output to a log file.
 */
public final class OperatorProcess {

  /** Where {@link #payload()} assembles the runtime payload. */
  public static final Path PAYLOAD = Path.of("target/payload");

  private static boolean payloadBuilt;

  private OperatorProcess() {}

  public static Process start(Path kubeconfig, Map<String, String> settings, Path log)
      throws IOException {
    if (!Files.isDirectory(Path.of("target/lib"))) {
      throw new IllegalStateException("no target/lib: mvn package copies the runtime libraries");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return launch(
        List.of(
            java,
            "-cp",
            "target/classes" + File.pathSeparator + "target/lib/*",
            "io.regcred.OperatorMain"),
        kubeconfig,
        settings,
        log);
  }

  /**
   * The operator from the runtime payload, built by {@link #payload()} if need be, started by its
   * launcher with the JVM options the image runs it with.
   */
  public static Process startPayload(Path kubeconfig, Map<String, String> settings, Path log)
      throws IOException {
    return launch(
        List.of(payload().resolve("bin/regcred-operator").toString()), kubeconfig, settings, log);
  }

  /** The runtime payload, assembled by {@code hack/payload.sh} once per test JVM. */
  public static synchronized Path payload() throws IOException {
    if (!payloadBuilt) {
      Process p = new ProcessBuilder("hack/payload.sh", PAYLOAD.toString()).inheritIO().start();
      try {
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
          p.destroyForcibly();
          throw new IllegalStateException("hack/payload.sh failed");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      payloadBuilt = true;
    }
    return PAYLOAD;
  }

  private static Process launch(
      List<String> command, Path kubeconfig, Map<String, String> settings, Path log)
      throws IOException {
    var pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("REGCRED_"));
    // The payload's launcher sets the JVM's options; more for a look inside (e.g.
    // -XX:StartFlightRecording=...) from -Dregcred.operator.javaToolOptions.
    env.remove("JAVA_TOOL_OPTIONS");
    String more = System.getProperty("regcred.operator.javaToolOptions", "");
    if (!more.isBlank()) {
      env.put("JAVA_TOOL_OPTIONS", more);
    }
    env.put("KUBECONFIG", kubeconfig.toString());
    env.putAll(settings);
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    return pb.start();
  }
}
