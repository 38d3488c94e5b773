package org.zos.agent.daemon;

import java.util.ArrayList;
import java.util.List;
import org.zos.agent.access.AccessList;
import org.zos.agent.access.Control;
import org.zos.agent.anima.AnimaRecord;
import org.zos.agent.anima.AnimaRegistry;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.AccessGrant;
import org.zos.protocol.message.AccessQuery;
import org.zos.protocol.message.Hello;
import org.zos.protocol.message.Message;
import org.zos.protocol.message.Ping;
import org.zos.protocol.message.Pong;
import org.zos.protocol.message.StatusQuery;
import org.zos.protocol.message.StatusReport;
import org.zos.protocol.net.Responder;
import org.zos.protocol.tls.KnownHosts;

/** The agent's answers. Every request that touches the host's resources is checked against the access list. */
final class AgentResponder implements Responder {
    private final String me;
    private final AccessList access;
    private final AnimaRegistry animas;

    AgentResponder(String me, AccessList access, AnimaRegistry animas) {
        this.me = me;
        this.access = access;
        this.animas = animas;
    }

    @Override
    public Message answer(KnownHosts.Entry peer, Hello hello, Message request) {
        if (request instanceof Ping p) {
            return new Pong(p.nanos());
        }
        if (request instanceof AccessQuery q) {
            Control wanted = Control.parse(q.control());
            access.require(hello.user(), peer.name(), wanted);
            return new AccessGrant(wanted.toString());
        }
        if (request instanceof StatusQuery q) {
            access.require(hello.user(), peer.name(), Control.PARTIAL);
            List<StatusReport.Anima> out = new ArrayList<>();
            for (String name : animas.names()) {
                if (q.anima() == null || q.anima().isEmpty() || q.anima().equals(name)) {
                    AnimaRecord r = animas.get(name);
                    out.add(new StatusReport.Anima(r.name(), me, me, r.suspended() ? "suspended" : "defined"));
                }
            }
            if (out.isEmpty() && q.anima() != null && !q.anima().isEmpty()) {
                throw new ZosException(ErrorCode.ANIMA_NOT_FOUND, "host " + me + " knows no anima '" + q.anima() + "'",
                        "list the animas with 'zos-vm status'");
            }
            return new StatusReport(out);
        }
        throw new ZosException(ErrorCode.BAD_PARAMETER, "this agent does not handle " + request.getClass().getSimpleName(),
                "upgrade zos on this host");
    }
}
