package org.zos.agent.daemon;

import java.time.Duration;
import org.zos.protocol.net.Peer;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;

/** A TLS connection to the agent of a host this one knows by name (pinned, or endorsed by a site authority). */
final class Dial {
    private Dial() {
    }

    /** Connects to {@code host}'s agent on behalf of {@code user}; UNKNOWN_PEER if this host does not know it. */
    static Peer to(HostIdentity me, KnownHosts known, String host, String user, Duration timeout) {
        KnownHosts.Entry h = known.routeOrThrow(host, me.host());
        return Peer.connect(me, known, h.hostPart(), h.port(), user, ZosAgent.SOFTWARE, timeout);
    }

    /** UNKNOWN_PEER unless this host knows {@code host} (or is it, or trusts a site authority that may endorse it). */
    static void requireKnown(HostIdentity me, KnownHosts known, String host) {
        if (!host.equals(me.host())) {
            known.routeOrThrow(host, me.host());
        }
    }
}
