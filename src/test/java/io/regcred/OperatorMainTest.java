package io.regcred;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The operator's process, started as the container starts it, with a bad environment. */
class OperatorMainTest {

  @Test
  void badSettingsStopStartUpWithExitCode2AndOneLineEachWithoutTheirValues() throws Exception {
    var command =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            OperatorMain.class.getName());
    command.environment().keySet().removeIf(name -> name.startsWith("REGCRED_"));
    command.environment().put("REGCRED_HTTP_PORT", "port-MARKER");
    command.environment().put("REGCRED_ACR_ALLOWED_SERVERS", "https://acr-MARKER.example");
    command.environment().put("REGCRED_AWS_STS_ENDPOINT", "sts-MARKER");
    command.redirectErrorStream(true);

    Process process = command.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();

    assertThat(process.exitValue()).as(output).isEqualTo(2);
    assertThat(output)
        .contains("\n  REGCRED_HTTP_PORT: not an integer; accepts a port from 0 to 65535\n")
        .contains("\n  REGCRED_AWS_STS_ENDPOINT: not an absolute http or https URI; accepts")
        .contains(
            "\n  REGCRED_ACR_ALLOWED_SERVERS: item 1 is not a lower-case host[:port]; accepts")
        .doesNotContain("MARKER");
  }
}
