package io.regcred.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/** Every log line of the test JVM at a level (INFO by default), as text with stack traces. */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final Level previousLevel = root.getLevel();
  private final Logger operator = (Logger) LoggerFactory.getLogger("io.regcred");
  private final Level previousOperatorLevel = operator.getLevel();

  public LogCapture() {
    this(Level.INFO);
  }

  /** Captures at this level; the operator's own loggers are set to it too. */
  public LogCapture(Level level) {
    setName("capture");
    start();
    root.addAppender(this);
    root.setLevel(level);
    operator.setLevel(level);
  }

  @Override
  protected void append(ILoggingEvent event) {
    String line = event.getLoggerName() + " " + event.getFormattedMessage();
    if (event.getThrowableProxy() != null) {
      line += "\n" + ThrowableProxyUtil.asString(event.getThrowableProxy());
    }
    lines.add(line);
  }

  public List<String> lines() {
    return List.copyOf(lines);
  }

  @Override
  public void close() {
    root.detachAppender(this);
    root.setLevel(previousLevel);
    operator.setLevel(previousOperatorLevel);
    stop();
  }
}
