package org.zos.protocol.net;

import org.zos.protocol.ZosException;
import org.zos.protocol.message.Hello;
import java.util.function.Consumer;
import org.zos.protocol.message.Message;
import org.zos.protocol.message.Progress;
import org.zos.protocol.tls.KnownHosts;

/** What a server does with a request from an authenticated peer. */
@FunctionalInterface
public interface Responder {

    /**
     * Who sent a request: the enrolled host its certificate proved ({@code local} when that is this host
     * itself, i.e. a zos process on this host holding its identity) and what it said in its hello.
     */
    record Caller(KnownHosts.Entry host, Hello hello, boolean local) {
        public String user() {
            return hello.user();
        }
    }

    /**
     * The answer to {@code request}. Runs on a worker thread, not the connection's event loop, so it may
     * take long; {@code progress} sends {@link Progress} messages ahead of the answer (from any thread,
     * until this returns).
     *
     * @throws ZosException to answer with a failure (DENIED, ANIMA_NOT_FOUND, …)
     */
    Message answer(Caller caller, Message request, Consumer<Progress> progress) throws Exception;

    /** A request that opened a stream: its answer, and what starts the stream once the answer is on its way. */
    record Opened(Message answer, Runnable start) {
    }

    /**
     * Answers a request that opens a stream on its connection ({@code view-open}): after the answer, the
     * connection carries {@code stream}'s bytes as data frames both ways, and nothing else but keepalives.
     * {@link Opened#start} runs once the answer was written, so no stream byte can pass it.
     *
     * @throws ZosException to refuse; the connection then stays an ordinary one
     */
    default Opened openStream(Caller caller, Message request, ChannelStream stream) throws Exception {
        throw new ZosException(org.zos.protocol.ErrorCode.BAD_PARAMETER, "this host opens no streams", "");
    }
}
