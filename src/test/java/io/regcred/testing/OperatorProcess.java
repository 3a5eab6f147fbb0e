package io.regcred.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Starts the operator as its own JVM the way the image runs it: {@code io.regcred.OperatorMain}
 * from {@code target/classes} and the runtime libraries {@code mvn package} copies to {@code
 * target/lib}. It sees only the given {@code REGCRED_*} variables and kubeconfig, none the test JVM
 * inherited, and appends its output to a log file.
 */
public final class OperatorProcess {

  private OperatorProcess() {}

  public static Process start(Path kubeconfig, Map<String, String> settings, Path log)
      throws IOException {
    if (!Files.isDirectory(Path.of("target/lib"))) {
      throw new IllegalStateException("no target/lib: mvn package copies the runtime libraries");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var pb =
        new ProcessBuilder(
            java,
            "-XX:MaxRAMPercentage=75",
            "-cp",
            "target/classes" + File.pathSeparator + "target/lib/*",
            "io.regcred.OperatorMain");
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("REGCRED_"));
    env.put("KUBECONFIG", kubeconfig.toString());
    env.putAll(settings);
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    return pb.start();
  }
}
