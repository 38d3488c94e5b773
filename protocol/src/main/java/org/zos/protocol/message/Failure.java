package org.zos.protocol.message;

import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * The answer to a request that failed: the error's wire code, what happened and what to do. This and
 * {@link #toException()} are the one mapping between errors on the wire and {@link ZosException}.
 */
public record Failure(int code, String message, String hint) implements Message {

    public static Failure of(ZosException e) {
        return new Failure(e.code().wireValue(), e.getMessage(), e.hint());
    }

    /** The exception this failure stands for on the receiving side. */
    public ZosException toException() {
        return new ZosException(ErrorCode.fromWire(code), message == null ? "the peer failed" : message, hint);
    }

    @Override
    public void check() {
        Bounds b = Bounds.of("failure");
        b.range("code", code, 0, 65535).text("message", message, Bounds.TEXT).text("hint", hint, Bounds.TEXT);
    }
}
