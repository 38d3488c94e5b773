package org.zos.protocol.net;

import org.zos.protocol.ZosException;
import org.zos.protocol.message.Hello;
import org.zos.protocol.message.Message;
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
     * The answer to {@code request}.
     *
     * @throws ZosException to answer with a failure (DENIED, ANIMA_NOT_FOUND, …)
     */
    Message answer(Caller caller, Message request) throws Exception;
}
