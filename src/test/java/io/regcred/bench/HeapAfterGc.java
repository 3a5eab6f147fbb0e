package io.regcred.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The heap another JVM holds right after a full collection, asked of it with the JDK's {@code
 * jcmd}: {@code GC.run} (a full collection, as {@code System.gc()} does), then {@code
 * GC.heap_info}, whose {@code used} figures are summed over the collector's spaces. The operator's
 * trimmed JRE answers the attach mechanism of the benchmark's JDK (same user, same Java version);
 * attaching starts one more thread in the operator, the Attach Listener.
 */
final class HeapAfterGc {

  private static final Pattern USED = Pattern.compile("total \\d+K, used (\\d+)K");

  private HeapAfterGc() {}

  /** In MiB, to a tenth. */
  static double mib(long pid) throws IOException, InterruptedException {
    jcmd(pid, "GC.run");
    Matcher used = USED.matcher(jcmd(pid, "GC.heap_info"));
    long kib = 0;
    boolean found = false;
    while (used.find()) {
      kib += Long.parseLong(used.group(1));
      found = true;
    }
    if (!found) {
      throw new IllegalStateException("jcmd GC.heap_info of " + pid + " says no heap in use");
    }
    return Math.round(kib / 1024.0 * 10) / 10.0;
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("jcmd " + pid + " " + command + " failed: " + out);
    }
    return out;
  }
}
