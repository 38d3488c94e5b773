package org.zos.protocol.net;

/** What a log line may say of something a peer sent: one line, at most {@link #MAX} characters. */
public final class LogText {
    public static final int MAX = 160;

    private LogText() {
    }

    /** {@code o}'s text (a throwable's class and message) on one line, cut to {@link #MAX} characters. */
    public static String of(Object o) {
        String s = String.valueOf(o).replaceAll("[\\r\\n\\t]+", " ");
        return s.length() > MAX ? s.substring(0, MAX) + "… (" + s.length() + " characters)" : s;
    }
}
