/**
 * The zos wire format below the messages (docs/protocol.md): the plaintext preamble that opens every
 * connection (magic and protocol versions), and the length-prefixed frames that travel inside TLS. The
 * decoders are explicit state machines that check every length against its limit before allocating.
 */
package org.zos.protocol.wire;
