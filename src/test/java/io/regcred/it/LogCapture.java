package io.regcred.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/** Every log line of the test JVM at a level (INFO by default), as text with stack traces. */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Logger attachedTo;
  private final boolean previousAdditivity;
  private final Map<Logger, Level> previousLevels = new LinkedHashMap<>();

  public LogCapture() {
    this(Level.INFO);
  }

  /** Captures at this level; the operator's own loggers are set to it too. */
  public LogCapture(Level level) {
    this(logger(org.slf4j.Logger.ROOT_LOGGER_NAME), level);
    setLevel(logger("io.regcred"), level);
  }

  private LogCapture(Logger attachedTo, Level level) {
    this.attachedTo = attachedTo;
    this.previousAdditivity = attachedTo.isAdditive();
    setName("capture");
    start();
    attachedTo.addAppender(this);
    setLevel(attachedTo, level);
  }

  /**
   * The lines of one class's logger at a level (a library's DEBUG lines, say), kept out of the
   * console.
   */
  public static LogCapture of(Class<?> source, Level level) {
    var capture = new LogCapture(logger(source.getName()), level);
    capture.attachedTo.setAdditive(false);
    return capture;
  }

  private static Logger logger(String name) {
    return (Logger) LoggerFactory.getLogger(name);
  }

  private void setLevel(Logger logger, Level level) {
    previousLevels.put(logger, logger.getLevel());
    logger.setLevel(level);
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
    attachedTo.detachAppender(this);
    attachedTo.setAdditive(previousAdditivity);
    previousLevels.forEach(Logger::setLevel);
    stop();
  }
}
