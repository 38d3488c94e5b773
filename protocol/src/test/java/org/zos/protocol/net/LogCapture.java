package org.zos.protocol.net;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects the messages a logger (and those below it) publishes while attached, for tests that read the log. */
final class LogCapture extends Handler implements AutoCloseable {
    final List<String> lines = new CopyOnWriteArrayList<>();
    private final Logger logger;

    LogCapture(String logger) {
        this.logger = Logger.getLogger(logger);
        this.logger.addHandler(this);
    }

    @Override
    public void publish(LogRecord r) {
        lines.add(r.getMessage());
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
