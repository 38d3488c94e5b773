package org.zos.agent.move;

import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.zos.protocol.message.Message;
import org.zos.protocol.message.Progress;
import org.zos.protocol.net.Peer;
import org.zos.protocol.stream.Duplex;

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

    /**
     * As {@link #request(Message, Duration, Consumer)}; {@code written} runs once the request is on its way,
     * so that what another thread sends after it goes after the request.
     */
    default Message request(Message m, Duration idle, Consumer<Progress> progress, Runnable written) {
        written.run();
        return request(m, idle, progress);
    }

    /** Sends one data frame (taking ownership of {@code payload}), waiting while the link is full. */
    void sendData(ByteBuf payload, Duration timeout);

    /**
     * Asks for a stream (a request whose answer turns the link into one, such as {@code live-open}); returns
     * the answer and the stream, which the link is from then on.
     */
    Map.Entry<Message, Duplex> openStream(Message m, Duration timeout);

    /** Keeps at most about {@code bytes} queued to be sent on this link (a real connection's; nothing for others). */
    default void shortQueue(int bytes) {
    }

    @Override
    void close();

    static MoveLink of(Peer peer) {
        return new MoveLink() {
            @Override
            public Message request(Message m, Duration idle, Consumer<Progress> progress) {
                return peer.request(m, idle, progress);
            }

            @Override
            public Message request(Message m, Duration idle, Consumer<Progress> progress, Runnable written) {
                return peer.request(m, idle, progress, written);
            }

            @Override
            public void sendData(ByteBuf payload, Duration timeout) {
                peer.sendData(payload, timeout);
            }

            @Override
            public Map.Entry<Message, Duplex> openStream(Message m, Duration timeout) {
                Map.Entry<Message, org.zos.protocol.net.ChannelStream> e = peer.openStream(m, timeout);
                return Map.entry(e.getKey(), e.getValue());
            }

            @Override
            public void shortQueue(int bytes) {
                peer.shortQueue(bytes);
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
