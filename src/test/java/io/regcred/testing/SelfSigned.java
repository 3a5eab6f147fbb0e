package io.regcred.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Self-signed RSA certificates made with openssl, valid for two days: for test servers. */
public final class SelfSigned {

  private SelfSigned() {}

  /**
   * Writes an unencrypted PKCS#8 key and its certificate for {@code /CN=commonName}, with {@code
   * subjectAltName} if not null (such as {@code IP:127.0.0.1}).
   */
  public static void write(Path key, Path certificate, String commonName, String subjectAltName)
      throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=" + commonName,
                "-keyout",
                key.toString(),
                "-out",
                certificate.toString()));
    if (subjectAltName != null) {
      command.addAll(List.of("-addext", "subjectAltName=" + subjectAltName));
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("openssl failed: " + output);
    }
  }
}
