package org.zos.agent.move;

/**
 * A cap on the rate of sending: {@link #acquire} waits until {@code n} more bytes fit under the cap,
 * averaged since the first byte (with up to a quarter second of burst). 0 means no cap. Threads may share
 * one (a live move's streams do): each waits for its own bytes' turn. Capped or not, it counts what goes:
 * {@link #peak} is the most that went in one second.
 */
final class RateLimit {
    private final long bytesPerSecond;
    private long start;
    private long sent;
    private long second = -1;
    private long inSecond;
    private long peak;

    RateLimit(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    void acquire(long n) {
        acquire(n, () -> false);
    }

    /** As {@link #acquire(long)}, giving up the wait as soon as {@code stop} says so. */
    void acquire(long n, java.util.function.BooleanSupplier stop) {
        count(n);
        if (bytesPerSecond <= 0) {
            return;
        }
        long due;
        synchronized (this) {
            long now = System.nanoTime();
            if (start == 0) {
                start = now;
            }
            sent += n;
            due = start + (long) ((sent - bytesPerSecond / 4.0) * 1e9 / bytesPerSecond);
        }
        while (due - System.nanoTime() > 0 && !stop.getAsBoolean()) {
            try {
                Thread.sleep(Math.min(100, Math.max(1, (due - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The cap, bytes per second (0: none). */
    long cap() {
        return bytesPerSecond;
    }

    /** The most bytes that went in one second (of the clock) so far; 0 before a whole second went by. */
    synchronized long peak() {
        return peak;
    }

    private synchronized void count(long n) {
        long s = System.nanoTime() / 1_000_000_000L;
        if (s != second) {
            if (second >= 0 && s == second + 1) {
                peak = Math.max(peak, inSecond); // a whole second: counted
            }
            second = s;
            inSecond = 0;
        }
        inSecond += n;
    }

    /** "100mbit", "12M" (bytes per second), "800k", … as bytes per second; 0 for null or empty. */
    static long parse(String rate) {
        if (rate == null || rate.isBlank()) {
            return 0;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmg]?)(bit|b|)(?:/s)?",
                java.util.regex.Pattern.CASE_INSENSITIVE).matcher(rate.strip());
        if (!m.matches()) {
            throw new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.BAD_PARAMETER, "'" + rate + "' is not a rate",
                    "give e.g. 100mbit (bits per second, 1000-based) or 12M (bytes per second, M = MiB)");
        }
        // As everywhere in zos: K, M, G of bytes are 1024-based (M = MiB); bits per second are 1000-based, as
        // links and tc count them (100mbit = 100,000,000 bit/s).
        double v = Double.parseDouble(m.group(1));
        boolean bits = m.group(3).equalsIgnoreCase("bit");
        double base = bits ? 1000 : 1024;
        switch (m.group(2).toLowerCase()) {
            case "k" -> v *= base;
            case "m" -> v *= base * base;
            case "g" -> v *= base * base * base;
            default -> { }
        }
        if (bits) {
            v /= 8;
        }
        if (v < 1) {
            throw new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.BAD_PARAMETER, "a rate of '" + rate
                    + "' would send nothing", "give a rate of at least 1 byte per second (e.g. 1mbit), or leave "
                    + "--bandwidth out for no cap");
        }
        if (v > Long.MAX_VALUE / 2) {
            throw new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.BAD_PARAMETER, "'" + rate + "' is too large a rate",
                    "leave --bandwidth out for no cap");
        }
        return (long) v;
    }
}
