package io.regcred.e2e;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program of the machine (kubectl, helm, the hack/ scripts) to its end, within a time limit
 * that holds even when the program hangs: its output goes to files, not to a pipe the test would
 * have to drain first.
 */
final class Command {

  private Command() {}

  /**
   * The program's standard output. Fails, with the end of its standard error and output, if it
   * exits with a status other than 0 or outlives {@code timeout}.
   */
  static String run(List<String> command, Duration timeout) {
    File out = null;
    File err = null;
    try {
      out = File.createTempFile("regcred-command", ".out");
      err = File.createTempFile("regcred-command", ".err");
      Process p =
          new ProcessBuilder(command)
              .redirectOutput(out)
              .redirectError(err)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
      boolean ended = p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
      if (!ended) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
      String output = Files.readString(out.toPath(), StandardCharsets.UTF_8);
      if (!ended || p.exitValue() != 0) {
        String why = ended ? "exit " + p.exitValue() : "timed out after " + timeout;
        throw new IllegalStateException(
            String.join(" ", command)
                + ": "
                + why
                + "\n"
                + tail(Files.readString(err.toPath(), StandardCharsets.UTF_8))
                + tail(output));
      }
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      for (File f : new File[] {out, err}) {
        if (f != null) {
          f.delete();
        }
      }
    }
  }

  private static String tail(String text) {
    List<String> lines = text.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()))
        + (lines.isEmpty() ? "" : "\n");
  }
}
