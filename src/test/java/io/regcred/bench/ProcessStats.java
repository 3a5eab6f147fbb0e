package io.regcred.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What Linux's /proc says about a process: CPU time used, resident memory, threads. */
final class ProcessStats {

  /** Clock ticks per second, the unit of utime and stime in /proc/[pid]/stat. */
  private static final long TICKS_PER_SECOND = ticksPerSecond();

  private ProcessStats() {}

  /** User plus system CPU time the process has used so far, in milliseconds. */
  static long cpuMillis(long pid) {
    String stat = read(pid, "stat");
    // The command name (field 2) may hold spaces; the fields after it are counted from its ')'.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long utime = Long.parseLong(fields[11]);
    long stime = Long.parseLong(fields[12]);
    return (utime + stime) * 1000 / TICKS_PER_SECOND;
  }

  /**
   * Waits at least {@code min}, then until these processes together spend less than {@code
   * cpuMsPerSecond} of CPU in a second (at most {@code max}); returns the time waited, in ms.
   */
  static long awaitIdle(List<Long> pids, long cpuMsPerSecond, Duration min, Duration max)
      throws InterruptedException {
    long start = System.nanoTime();
    Thread.sleep(min.toMillis());
    long deadline = start + max.toNanos();
    long cpu = cpuMillis(pids);
    while (System.nanoTime() < deadline) {
      Thread.sleep(1000);
      long now = cpuMillis(pids);
      if (now - cpu < cpuMsPerSecond) {
        break;
      }
      cpu = now;
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static long cpuMillis(List<Long> pids) {
    return pids.stream().mapToLong(ProcessStats::cpuMillis).sum();
  }

  /** Resident set size (VmRSS) in KiB. */
  static long rssKib(long pid) {
    return statusField(pid, "VmRSS:");
  }

  static long threads(long pid) {
    return statusField(pid, "Threads:");
  }

  private static long statusField(long pid, String name) {
    for (String line : read(pid, "status").split("\n")) {
      if (line.startsWith(name)) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no " + name + " in /proc/" + pid + "/status");
  }

  private static String read(long pid, String file) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), file));
    } catch (IOException e) {
      throw new UncheckedIOException("process " + pid + " is gone", e);
    }
  }

  private static long ticksPerSecond() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      return p.waitFor() == 0 ? Long.parseLong(out) : 100;
    } catch (IOException | NumberFormatException e) {
      return 100; // USER_HZ on every Linux architecture the project runs on
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }
}
