package org.zos.protocol.net;

import org.zos.protocol.ZosException;
import org.zos.protocol.message.Hello;
import org.zos.protocol.message.Message;
import org.zos.protocol.tls.KnownHosts;

/** What a server does with a request from an authenticated peer. */
@FunctionalInterface
public interface Responder {
    /**
     * The answer to {@code request} from {@code peer}, who said {@code hello}.
     *
     * @throws ZosException to answer with a failure (DENIED, ANIMA_NOT_FOUND, …)
     */
    Message answer(KnownHosts.Entry peer, Hello hello, Message request) throws Exception;
}
