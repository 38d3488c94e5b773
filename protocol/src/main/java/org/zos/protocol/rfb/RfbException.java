package org.zos.protocol.rfb;

import java.io.IOException;

/** Bytes from a VNC viewer that are not RFB: the viewer's connection ends. */
public final class RfbException extends IOException {
    public RfbException(String message) {
        super(message);
    }
}
