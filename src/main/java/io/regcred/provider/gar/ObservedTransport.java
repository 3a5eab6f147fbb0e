package io.regcred.provider.gar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.LowLevelHttpRequest;
import com.google.api.client.http.LowLevelHttpResponse;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.auth.http.HttpTransportFactory;
import io.regcred.provider.BoundedBody;
import io.regcred.provider.ErrorCodes;
import io.regcred.provider.ProviderHttp;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * The HTTP transport handed to the Google auth library: a {@link NetHttpTransport} with the TLS
 * trust of {@link ProviderHttp}, whose connect and read timeouts are capped at the provider
 * timeout, whose response bodies are decoded and bounded ({@link BoundedBody}: the library would
 * otherwise read any amount), and which notes the HTTP status and OAuth error code of every
 * response on the calling thread.
 *
 * <p>The notes exist because the library drops the status on several paths (the STS exchange turns
 * error bodies into an exception without a status, the metadata server errors carry it only in a
 * message that also holds the body). Only the status and a known OAuth error code or Google status
 * ({@link ErrorCodes}) are kept, never a body.
 *
 * <p>{@link HttpTransport#buildRequest(String, String)} is protected, so the delegate's is reached
 * by reflection; where that is refused, the plain transport is used, without the caps and the
 * notes.
 */
final class ObservedTransport extends HttpTransport {

  /** What the current thread's last HTTP exchange answered. */
  static final class Observation {
    private int lastStatus = -1;
    private String lastErrorCode;
    private int responses;

    /** The status of the last response on this thread, or -1 if none arrived. */
    int lastStatus() {
      return lastStatus;
    }

    /** The OAuth {@code error} (or Google {@code error.status}) of the last response, if any. */
    String lastErrorCode() {
      return lastErrorCode;
    }

    int responses() {
      return responses;
    }
  }

  private static final ThreadLocal<Observation> CURRENT = new ThreadLocal<>();
  private static final Method BUILD_REQUEST = buildRequestMethod();
  private static final int ERROR_BODY_LIMIT = 16 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final NetHttpTransport delegate;
  private final int timeoutMillis;

  private ObservedTransport(NetHttpTransport delegate, int timeoutMillis) {
    this.delegate = delegate;
    this.timeoutMillis = timeoutMillis;
  }

  /** A factory for transports that use the given TLS trust and timeout. */
  static HttpTransportFactory factory(ProviderHttp http) {
    NetHttpTransport net =
        new NetHttpTransport.Builder()
            .setSslSocketFactory(http.sslContext().getSocketFactory())
            .build();
    if (BUILD_REQUEST == null) {
      return () -> net;
    }
    long millis = Math.max(1, Math.min(Integer.MAX_VALUE, http.timeout().toMillis()));
    HttpTransport observed = new ObservedTransport(net, (int) millis);
    return () -> observed;
  }

  /** Starts noting responses on this thread; pair with {@link #end()}. */
  static Observation begin() {
    Observation o = new Observation();
    CURRENT.set(o);
    return o;
  }

  static void end() {
    CURRENT.remove();
  }

  /** Whether responses are noted (the reflective hook is available). */
  static boolean observing() {
    return BUILD_REQUEST != null;
  }

  private static Method buildRequestMethod() {
    try {
      Method m = HttpTransport.class.getDeclaredMethod("buildRequest", String.class, String.class);
      m.setAccessible(true);
      return m;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  @Override
  protected LowLevelHttpRequest buildRequest(String method, String url) throws IOException {
    LowLevelHttpRequest inner;
    try {
      inner = (LowLevelHttpRequest) BUILD_REQUEST.invoke(delegate, method, url);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException("building the HTTP request failed", cause);
    } catch (IllegalAccessException e) {
      throw new IOException("building the HTTP request failed", e);
    }
    return new Request(inner);
  }

  @Override
  public boolean supportsMethod(String method) throws IOException {
    return delegate.supportsMethod(method);
  }

  @Override
  public boolean isMtls() {
    return delegate.isMtls();
  }

  @Override
  public void shutdown() throws IOException {
    delegate.shutdown();
  }

  private int cap(int millis) {
    return millis <= 0 ? timeoutMillis : Math.min(millis, timeoutMillis);
  }

  private final class Request extends LowLevelHttpRequest {
    private final LowLevelHttpRequest inner;

    Request(LowLevelHttpRequest inner) {
      this.inner = inner;
    }

    @Override
    public void addHeader(String name, String value) throws IOException {
      inner.addHeader(name, value);
    }

    @Override
    public void setTimeout(int connectTimeout, int readTimeout) throws IOException {
      inner.setTimeout(cap(connectTimeout), cap(readTimeout));
    }

    @Override
    public void setWriteTimeout(int writeTimeout) throws IOException {
      inner.setWriteTimeout(cap(writeTimeout));
    }

    @Override
    public LowLevelHttpResponse execute() throws IOException {
      inner.setContentType(getContentType());
      inner.setContentEncoding(getContentEncoding());
      inner.setContentLength(getContentLength());
      inner.setStreamingContent(getStreamingContent());
      LowLevelHttpResponse response = inner.execute();
      int status = response.getStatusCode();
      boolean gzip = isGzip(response.getContentEncoding());
      InputStream content = bounded(response.getContent(), gzip, status / 100 == 2);
      Observation o = CURRENT.get();
      if (o != null) {
        o.responses++;
        o.lastStatus = status;
        o.lastErrorCode = null;
        if (status >= 400 && content != null) {
          byte[] head = content.readNBytes(ERROR_BODY_LIMIT);
          o.lastErrorCode = errorCode(head);
          content = new SequenceInputStream(new ByteArrayInputStream(head), content);
        }
      }
      return new Response(response, content, gzip);
    }
  }

  private static boolean isGzip(String contentEncoding) {
    return contentEncoding != null && contentEncoding.toLowerCase(Locale.ROOT).contains("gzip");
  }

  /**
   * The body decoded here (so that the bound applies to what the library reads, not to what came
   * over the wire) and bounded ({@link BoundedBody}): a success larger than the bound fails, an
   * error answer is cut there.
   */
  private static InputStream bounded(InputStream raw, boolean gzip, boolean success)
      throws IOException {
    if (raw == null) {
      return null;
    }
    InputStream body = success ? BoundedBody.limit(raw) : BoundedBody.truncate(raw);
    if (gzip) {
      try {
        body = new GZIPInputStream(body);
      } catch (EOFException e) {
        body = InputStream.nullInputStream();
      }
      body = success ? BoundedBody.limit(body) : BoundedBody.truncate(body);
    }
    return body;
  }

  /** The OAuth error code or Google status of an error body, if it is a known one. */
  static String errorCode(byte[] body) {
    try {
      JsonNode root = JSON.readTree(body);
      if (root == null || !root.isObject()) {
        return null;
      }
      JsonNode error = root.get("error");
      if (error != null && error.isTextual()) {
        return ErrorCodes.oauth(error.asText());
      }
      if (error != null && error.isObject()) {
        return ErrorCodes.googleStatus(error.path("status").asText(null));
      }
      return null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The delegate's response with its body decoded, bounded, and the part already read in front. */
  private static final class Response extends LowLevelHttpResponse {
    private final LowLevelHttpResponse inner;
    private final InputStream content;
    private final boolean decoded;

    Response(LowLevelHttpResponse inner, InputStream content, boolean decoded) {
      this.inner = inner;
      this.content = content;
      this.decoded = decoded;
    }

    @Override
    public InputStream getContent() {
      return content;
    }

    @Override
    public String getContentEncoding() throws IOException {
      return decoded ? null : inner.getContentEncoding();
    }

    @Override
    public long getContentLength() throws IOException {
      return decoded ? -1 : inner.getContentLength();
    }

    @Override
    public String getContentType() throws IOException {
      return inner.getContentType();
    }

    @Override
    public String getStatusLine() throws IOException {
      return inner.getStatusLine();
    }

    @Override
    public int getStatusCode() throws IOException {
      return inner.getStatusCode();
    }

    @Override
    public String getReasonPhrase() throws IOException {
      return inner.getReasonPhrase();
    }

    @Override
    public int getHeaderCount() throws IOException {
      return inner.getHeaderCount();
    }

    @Override
    public String getHeaderName(int index) throws IOException {
      return inner.getHeaderName(index);
    }

    @Override
    public String getHeaderValue(int index) throws IOException {
      return inner.getHeaderValue(index);
    }

    @Override
    public void disconnect() throws IOException {
      inner.disconnect();
    }
  }
}
