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
 * Decides whether a peer's certificate is the one enrolled for it: its fingerprint is pinned in
 * {@link KnownHosts}, or a site authority this host trusts endorses its key under the name it is known by
 * ({@link Authorities}). A pin decides where there is one; an endorsement the authority revoked is refused
 * even then. The refusal says why, as a ZosException inside the CertificateException: UNKNOWN_PEER for
 * a host neither pinned nor endorsed (with the reason the endorsement does not count), PEER_KEY_CHANGED
 * for a pinned host (by name) that shows another key, PEER_REVOKED for a revoked endorsement.
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
    private volatile X509Certificate[] seen;
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

    /** What the peer presented (its certificate, then its site endorsement if any), once it has. */
    public Optional<X509Certificate[]> seen() {
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
        seen = chain.clone();
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
                Optional<KnownHosts.Entry> e = known.forTarget(target);
                Authorities.Verdict site = known.site().check(chain);
                refuseRevoked(site);
                if (e.isPresent() && e.get().pinned()) {
                    if (!e.get().fingerprint().equals(f)) {
                        throw refuse(keyChanged(e.get(), f));
                    }
                    peer = e.get();
                    return;
                }
                String want = e.map(KnownHosts.Entry::name).orElse(target);
                if (site instanceof Authorities.Endorsed d && d.host().equals(want)) {
                    peer = new KnownHosts.Entry(want, e.map(KnownHosts.Entry::address).orElse(target), f);
                    return;
                }
                if (e.isEmpty() && !known.site().any()) {
                    throw refuse(new ZosException(ErrorCode.UNKNOWN_PEER, target + " is not an enrolled host (it presented " + name + ", " + f + ")",
                            "check the fingerprint with host " + name + "'s owner, then run 'zos-vm trust " + target + "'"));
                }
                throw refuse(new ZosException(ErrorCode.UNKNOWN_PEER, target + " (" + name + ", " + f + ") is not pinned here and "
                        + (site instanceof Authorities.Endorsed d ? "its site endorsement is for " + d.host() : why(site)),
                        "have the site authority endorse " + want + " ('zos-vm ca sign'), or pin it with 'zos-vm trust " + target + "'"));
            }
            case ACCEPT -> {
                if (self != null && self.fingerprint().equals(f)) {
                    peer = new KnownHosts.Entry(self.host(), "localhost", f);
                    return;
                }
                Authorities.Verdict site = known.site().check(chain);
                refuseRevoked(site);
                Optional<KnownHosts.Entry> e = known.byFingerprint(f);
                if (e.isPresent()) {
                    peer = e.get();
                    return;
                }
                Optional<KnownHosts.Entry> sameName = known.byName(name).filter(KnownHosts.Entry::pinned);
                if (sameName.isPresent()) {
                    throw refuse(keyChanged(sameName.get(), f));
                }
                if (site instanceof Authorities.Endorsed d) {
                    peer = new KnownHosts.Entry(d.host(), known.byName(d.host()).map(KnownHosts.Entry::address).orElse(d.host()), f);
                    return;
                }
                boolean any = known.site().any();
                throw refuse(new ZosException(ErrorCode.UNKNOWN_PEER, "host " + name + " (" + f + ") is not enrolled here"
                        + (any ? ", and " + why(site) : ""), "run 'zos-vm trust " + name + "' on this host if it should connect"
                        + (any ? ", or have the site authority endorse it" : "")));
            }
            default -> throw new IllegalStateException(mode.toString());
        }
    }

    private static String why(Authorities.Verdict site) {
        return site instanceof Authorities.Invalid i ? i.why() : site instanceof Authorities.None n ? n.why() : site.toString();
    }

    private static void refuseRevoked(Authorities.Verdict site) throws CertificateException {
        if (site instanceof Authorities.Revoked r) {
            throw refuse(new ZosException(ErrorCode.PEER_REVOKED, "host " + r.host() + "'s endorsement " + r.serial().toString(16)
                    + " was revoked by site authority '" + r.authority() + "' on " + r.when(),
                    "if " + r.host() + " was reinstalled or recovered, have the authority endorse it again ('zos-vm ca sign')"));
        }
    }

    private static ZosException keyChanged(KnownHosts.Entry e, Fingerprint f) {
        return new ZosException(ErrorCode.PEER_KEY_CHANGED, "host " + e.name() + " presented key " + f
                + " but is enrolled with " + e.fingerprint() + ": its identity was recreated, or someone is in between",
                "ask " + e.name() + "'s owner for its fingerprint; if it really changed, run 'zos-vm trust " + e.name()
                        + " --fingerprint <new>'");
    }

    /** The CN of a certificate's subject (the host's name, or a site authority's). */
    public static String commonName(X509Certificate c) {
        return commonName(c.getSubjectX500Principal());
    }

    public static String commonName(javax.security.auth.x500.X500Principal p) {
        java.util.regex.Matcher m = CN.matcher(p.getName());
        return m.find() ? m.group(1) : "";
    }

    private static final java.util.regex.Pattern CN = java.util.regex.Pattern.compile("(?:^|,)CN=([^,]*)");

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
