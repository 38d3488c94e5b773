package org.zos.protocol.net;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.util.Optional;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.Hello;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;

/**
 * What a connection on the agent's local UNIX socket proves: that its other end is a process of this
 * host, run by the user whose uid the kernel gives for the socket (SO_PEERCRED). Such a caller is this
 * host itself, as a zos process holding the host's key is over TLS; what the socket's mode and group
 * let in is the administrator's choice, as with libvirt's socket. Its hello must name this host (or
 * {@value #LOCALHOST}) and, unless the caller is root, the user it runs as: nobody speaks for another
 * user towards the hosts this one forwards to.
 */
public final class LocalProof implements ServerSession.Proof {
    /** The host name a local client says in its hello when it cannot read this host's identity. */
    public static final String LOCALHOST = "localhost";

    private final KnownHosts.Entry self;
    private final int uid;
    private final String user;

    /** @param user the user name of {@code uid}, or null where it has none */
    LocalProof(HostIdentity me, int uid, String user) {
        this.self = new KnownHosts.Entry(me.host(), "localhost", me.fingerprint());
        this.uid = uid;
        this.user = user;
    }

    /** The proof for a caller running as {@code uid}. */
    static LocalProof of(HostIdentity me, int uid) {
        return new LocalProof(me, uid, userName(uid));
    }

    @Override
    public Optional<KnownHosts.Entry> peer() {
        return Optional.of(self);
    }

    @Override
    public boolean peerIsSelf() {
        return true;
    }

    @Override
    public void admit(Hello h) {
        if (!h.host().equals(self.name()) && !h.host().equals(LOCALHOST)) {
            throw new ZosException(ErrorCode.PROTOCOL_ERROR, "a caller on the local socket says it is host " + h.host()
                    + "; this host is " + self.name(), "");
        }
        if (uid != 0 && !h.user().equals(user)) {
            throw new ZosException(ErrorCode.DENIED, "the local caller runs as " + (user == null ? "uid " + uid : user)
                    + " but speaks for user '" + h.user() + "'", "only root may act for another user");
        }
    }

    private interface LibC extends Library {
        Pointer getpwuid(int uid);
    }

    private static LibC libc;

    /** The user name of {@code uid} from the system's user database (NSS), or null. */
    static synchronized String userName(int uid) {
        if (libc == null) {
            libc = Native.load("c", LibC.class);
        }
        Pointer pw = libc.getpwuid(uid); // a static buffer: hence synchronized
        return pw == null ? null : pw.getPointer(0).getString(0);
    }
}
