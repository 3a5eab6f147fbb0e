package io.regcred.provider;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Answers a fake's exchange with a chunked body that starts with {@code prefix} and then does not
 * end: filler is written until the client hangs up (or 256 MiB have gone, so a client that reads
 * everything still gets an end eventually). {@link #written()} tells how much the client took.
 */
public final class EndlessBody {

  /** Writing stops here even if the client keeps reading. */
  public static final long CAP = 256L * 1024 * 1024;

  private final AtomicLong written = new AtomicLong();

  /** Bytes written to the client so far, over all answers. */
  public long written() {
    return written.get();
  }

  /**
   * Sends {@code status} and {@code contentType}, then {@code prefix}, then {@code filler} bytes;
   * {@code pauseMillis} between chunks makes it a trickle.
   */
  public void send(
      HttpExchange exchange,
      int status,
      String contentType,
      String prefix,
      char filler,
      long pauseMillis)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, 0);
    byte[] chunk = new byte[pauseMillis > 0 ? 1 : 8192];
    Arrays.fill(chunk, (byte) filler);
    try (OutputStream out = exchange.getResponseBody()) {
      byte[] start = prefix.getBytes(StandardCharsets.UTF_8);
      out.write(start);
      out.flush();
      written.addAndGet(start.length);
      while (written.get() < CAP) {
        out.write(chunk);
        out.flush();
        written.addAndGet(chunk.length);
        if (pauseMillis > 0) {
          Thread.sleep(pauseMillis);
        }
      }
    } catch (IOException e) {
      // The client hung up: what it was meant to do.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
