/**
 * What every zos process shares: the error vocabulary ({@link org.zos.protocol.ErrorCode}), and, with the
 * agent protocol, the wire format, framing and messages specified in {@code docs/protocol.md}.
 */
package org.zos.protocol;
