package org.zos.protocol.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * Decides whether a peer's certificate is the one enrolled for it. There is no CA: a certificate is
 * accepted only if its fingerprint is in {@link KnownHosts}. The refusal says why, as a ZosException
 * inside the CertificateException: UNKNOWN_PEER for a host never enrolled, PEER_KEY_CHANGED for an
 * enrolled host (by name) that shows another key.
 *
 * <p>A client pins the host it dials ({@link #dialing}); a server accepts any enrolled host
 * ({@link #accepting}). {@link #capturing} accepts anything and only records what it saw: it is for
 * showing a new host's fingerprint before enrolling it, and such a connection carries nothing else.
 */
public final class PinningTrustManager extends X509ExtendedTrustManager {
    private enum Mode { DIAL, ACCEPT, CAPTURE }

    private final Mode mode;
    private final KnownHosts known;
    private final String target;
    private final HostIdentity self;
    private volatile X509Certificate seen;
    private volatile KnownHosts.Entry peer;

    private PinningTrustManager(Mode mode, KnownHosts known, String target, HostIdentity self) {
        this.mode = mode;
        this.known = known;
        this.target = target;
        this.self = self;
    }

    public static PinningTrustManager dialing(KnownHosts known, String target) {
        return new PinningTrustManager(Mode.DIAL, known, target, null);
    }

    /** Dials this host's own agent, which must present this host's own identity. */
    public static PinningTrustManager dialingSelf(HostIdentity self) {
        return new PinningTrustManager(Mode.DIAL, null, "localhost", self);
    }

    /** Accepts enrolled hosts, and this host's own identity (the zos processes of this host). */
    public static PinningTrustManager accepting(KnownHosts known, HostIdentity self) {
        return new PinningTrustManager(Mode.ACCEPT, known, null, self);
    }

    public static PinningTrustManager capturing() {
        return new PinningTrustManager(Mode.CAPTURE, null, null, null);
    }

    /** Whether the verified peer is this host itself (a local zos process sharing its identity). */
    public boolean peerIsSelf() {
        return self != null && peer != null && peer.fingerprint().equals(self.fingerprint());
    }

    /** The certificate the peer presented, once it has. */
    public Optional<X509Certificate> seen() {
        return Optional.ofNullable(seen);
    }

    /** The enrolled host the peer proved to be, once verified. */
    public Optional<KnownHosts.Entry> peer() {
        return Optional.ofNullable(peer);
    }

    private void verify(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw refuse(new ZosException(ErrorCode.UNKNOWN_PEER, "the peer presented no certificate",
                    "only zos hosts with an identity may connect"));
        }
        seen = chain[0];
        Fingerprint f = Fingerprint.of(chain[0]);
        String name = commonName(chain[0]);
        switch (mode) {
            case CAPTURE -> {
                return;
            }
            case DIAL -> {
                if (self != null) {
                    if (!self.fingerprint().equals(f)) {
                        throw refuse(new ZosException(ErrorCode.PEER_KEY_CHANGED, "the agent on this host presents " + f
                                + ", not this host's identity " + self.fingerprint(), "check which zos-agent runs here"));
                    }
                    peer = new KnownHosts.Entry(self.host(), "localhost", f);
                    return;
                }
                KnownHosts.Entry e = known.forTarget(target).orElseThrow(() -> refuse(new ZosException(ErrorCode.UNKNOWN_PEER,
                        target + " is not an enrolled host (it presented " + name + ", " + f + ")",
                        "check the fingerprint with host " + name + "'s owner, then run 'zos-vm trust " + target + "'")));
                if (!e.fingerprint().equals(f)) {
                    throw refuse(keyChanged(e, f));
                }
                peer = e;
            }
            case ACCEPT -> {
                if (self != null && self.fingerprint().equals(f)) {
                    peer = new KnownHosts.Entry(self.host(), "localhost", f);
                    return;
                }
                Optional<KnownHosts.Entry> e = known.byFingerprint(f);
                if (e.isPresent()) {
                    peer = e.get();
                    return;
                }
                Optional<KnownHosts.Entry> sameName = known.byName(name);
                if (sameName.isPresent()) {
                    throw refuse(keyChanged(sameName.get(), f));
                }
                throw refuse(new ZosException(ErrorCode.UNKNOWN_PEER, "host " + name + " (" + f + ") is not enrolled here",
                        "run 'zos-vm trust " + name + "' on this host if it should connect"));
            }
            default -> throw new IllegalStateException(mode.toString());
        }
    }

    private static ZosException keyChanged(KnownHosts.Entry e, Fingerprint f) {
        return new ZosException(ErrorCode.PEER_KEY_CHANGED, "host " + e.name() + " presented key " + f
                + " but is enrolled with " + e.fingerprint() + ": its identity was recreated, or someone is in between",
                "ask " + e.name() + "'s owner for its fingerprint; if it really changed, run 'zos-vm trust " + e.name()
                        + " --fingerprint <new>'");
    }

    static String commonName(X509Certificate c) {
        return c.getSubjectX500Principal().getName().replaceFirst("^CN=", "").replaceFirst(",.*$", "");
    }

    private static CertificateException refuse(ZosException why) {
        return new CertificateException(why.getMessage(), why);
    }

    /** The zos reason inside a failed handshake's causes, if the failure was a refusal by this class. */
    public static Optional<ZosException> reason(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ZosException z) {
                return Optional.of(z);
            }
        }
        return Optional.empty();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
