package org.zos.protocol.zap;

/**
 * The detection packet: who asks (user and master host), for what control, and a nonce the answers
 * echo so a master can tell them from answers to other queries. JSON, one UDP datagram.
 *
 * <pre>{"zap": 1, "user": "ana", "master": "host1", "control": "full", "nonce": 8123}</pre>
 */
public record ZapQuery(int zap, String user, String master, String control, long nonce) {
}
