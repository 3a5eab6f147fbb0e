package io.regcred.provider;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Response bodies that providers read themselves end at {@link #MAX_BYTES}: a token response or a
 * credentials document is a few KiB, and a body that is larger or never ends must neither hold a
 * fetch nor fill the operator's memory. A larger body fails with {@link TooLargeException}; it is
 * never silently cut and parsed.
 */
public final class BoundedBody {

  /** 64 KiB: an ACR refresh token or a Google access token response is a few KiB. */
  public static final int MAX_BYTES = 64 * 1024;

  /** How the bound reads in messages. */
  public static final String LIMIT = "64 KiB";

  /** A response body was larger than {@link #MAX_BYTES}; the rest was not read. */
  public static final class TooLargeException extends IOException {
    public TooLargeException() {
      super("the response body is larger than " + LIMIT);
    }
  }

  private BoundedBody() {}

  /** The whole of {@code in}, or {@link TooLargeException} after {@link #MAX_BYTES}. */
  public static byte[] read(InputStream in) throws IOException {
    byte[] bytes = in.readNBytes(MAX_BYTES + 1);
    if (bytes.length > MAX_BYTES) {
      throw new TooLargeException();
    }
    return bytes;
  }

  /** {@code in}, failing with {@link TooLargeException} once more than the bound is read. */
  public static InputStream limit(InputStream in) {
    return new Limited(in, true);
  }

  /**
   * {@code in} ending at the bound: for error answers, which are only searched for an error code
   * and whose status must not be lost to a failure while reading.
   */
  public static InputStream truncate(InputStream in) {
    return new Limited(in, false);
  }

  /**
   * A body handler for {@link java.net.http.HttpClient}: the body as bytes; as soon as the bound is
   * passed the exchange is cancelled, and a success (2xx) fails with {@link TooLargeException}
   * while an error answer keeps its first {@link #MAX_BYTES} (it is only searched for an error
   * code, and its status must not be lost).
   */
  public static HttpResponse.BodyHandler<byte[]> handler() {
    return info -> new Subscriber(info.statusCode() / 100 == 2);
  }

  private static final class Limited extends FilterInputStream {
    private final boolean failWhenLarger;
    private long remaining = MAX_BYTES;

    Limited(InputStream in, boolean failWhenLarger) {
      super(in);
      this.failWhenLarger = failWhenLarger;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (length == 0) {
        return 0;
      }
      if (remaining <= 0) {
        // One byte more tells a body of exactly the bound from a larger one.
        if (failWhenLarger && super.read() >= 0) {
          throw new TooLargeException();
        }
        return -1;
      }
      int n = super.read(buffer, offset, (int) Math.min(length, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      return Math.max(0, read(new byte[(int) Math.min(Math.max(n, 0), 8192)]));
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }

  private static final class Subscriber implements HttpResponse.BodySubscriber<byte[]> {
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final boolean failWhenLarger;
    private Flow.Subscription subscription;

    Subscriber(boolean failWhenLarger) {
      this.failWhenLarger = failWhenLarger;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      for (ByteBuffer buffer : buffers) {
        if (bytes.size() + buffer.remaining() > MAX_BYTES) {
          subscription.cancel();
          if (failWhenLarger) {
            body.completeExceptionally(new TooLargeException());
          } else {
            buffer.limit(buffer.position() + MAX_BYTES - bytes.size());
            bytes.writeBytes(bytes(buffer));
            body.complete(bytes.toByteArray());
          }
          return;
        }
        bytes.writeBytes(bytes(buffer));
      }
      subscription.request(1);
    }

    private static byte[] bytes(ByteBuffer buffer) {
      byte[] chunk = new byte[buffer.remaining()];
      buffer.get(chunk);
      return chunk;
    }

    @Override
    public void onError(Throwable error) {
      body.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
      body.complete(bytes.toByteArray());
    }
  }
}
