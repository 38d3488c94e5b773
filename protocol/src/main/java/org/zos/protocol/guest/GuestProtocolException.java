package org.zos.protocol.guest;

import java.io.IOException;

/** Bytes on the guest channel that break guest channel v1; the reader may go on with the next frame. */
public final class GuestProtocolException extends IOException {
    public GuestProtocolException(String message) {
        super(message);
    }
}
