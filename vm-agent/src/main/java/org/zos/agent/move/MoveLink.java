package org.zos.agent.move;

import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.function.Consumer;
import org.zos.protocol.message.Message;
import org.zos.protocol.message.Progress;
import org.zos.protocol.net.Peer;

/**
 * A connection of a move to the other host's agent: a TLS {@link Peer} between real hosts, an in-memory
 * pipe when both agents of a move run in one JVM (the protocol's unit tests). A failure answer comes out
 * as its {@link org.zos.protocol.ZosException}; a broken or silent link as HOST_UNREACHABLE.
 */
interface MoveLink extends AutoCloseable {

    /** Sends a request and waits for its answer; {@code idle} bounds the silence, each progress restarts it. */
    Message request(Message m, Duration idle, Consumer<Progress> progress);

    default Message request(Message m, Duration timeout) {
        return request(m, timeout, p -> { });
    }

    /** Sends one data frame (taking ownership of {@code payload}), waiting while the link is full. */
    void sendData(ByteBuf payload, Duration timeout);

    @Override
    void close();

    static MoveLink of(Peer peer) {
        return new MoveLink() {
            @Override
            public Message request(Message m, Duration idle, Consumer<Progress> progress) {
                return peer.request(m, idle, progress);
            }

            @Override
            public void sendData(ByteBuf payload, Duration timeout) {
                peer.sendData(payload, timeout);
            }

            @Override
            public void close() {
                peer.close();
            }
        };
    }

    /** How this host reaches another one's agent for a move, as {@code user}, giving each step {@code timeout}. */
    @FunctionalInterface
    interface Dialer {
        MoveLink dial(String host, String user, Duration timeout);
    }
}
