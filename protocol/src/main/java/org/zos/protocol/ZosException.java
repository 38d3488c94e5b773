package org.zos.protocol;

import java.util.Objects;

/**
 * A failure a user can act on: what went wrong, classified by an {@link ErrorCode}, and what to do about
 * it. The message says what happened ("anima 'work' is not defined on this host"); the hint says what to
 * do ("list animas with 'zos-vm status'"). The command line prints both on one line and exits with the
 * code's {@link ErrorCode#exitStatus() exit status}.
 *
 * <p>Anything else thrown inside zos is a bug or an unexpected system failure and is reported as
 * {@link ErrorCode#INTERNAL}.
 */
public class ZosException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final String hint;

    public ZosException(ErrorCode code, String message, String hint) {
        this(code, message, hint, null);
    }

    public ZosException(ErrorCode code, String message, String hint, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        if (code == ErrorCode.OK) {
            throw new IllegalArgumentException("OK is not an error");
        }
        this.code = Objects.requireNonNull(code, "code");
        this.hint = hint == null ? "" : hint;
    }

    public ErrorCode code() {
        return code;
    }

    /** What the user should do next; empty when there is nothing useful to say. */
    public String hint() {
        return hint;
    }

    /** The one line a user sees: the message, then the hint after a semicolon. */
    public String userLine() {
        return hint.isEmpty() ? getMessage() : getMessage() + "; " + hint;
    }
}
