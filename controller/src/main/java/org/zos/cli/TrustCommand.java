package org.zos.cli;

import java.io.PrintWriter;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.net.Peer;
import org.zos.protocol.net.ZosServer;
import org.zos.protocol.tls.Authorities;
import org.zos.protocol.tls.Fingerprint;
import org.zos.protocol.tls.KnownHosts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code zos-vm trust HOST}: enrols a host. Connects, shows the fingerprint its agent presents, and
 * enrols it only if it matches {@code --fingerprint} or the user confirms on a terminal. A host endorsed
 * by a site authority this host trusts is recorded without a pin (known_hosts says "site"), unless a
 * fingerprint is given; one whose endorsement was revoked is refused.
 */
@Command(name = "trust", description = {"Enrol HOST: pin the fingerprint its agent presents (check it with the host's owner first).",
        "A host endorsed by a site authority this host trusts ('zos-vm ca') is recorded by name and address only, with no pin."})
final class TrustCommand extends ConfigCommand {

    @Parameters(paramLabel = "HOST", description = "the host's name or address")
    String host;

    @Option(names = "--port", description = "its agent's port (default: 7470)")
    int port = ZosServer.DEFAULT_PORT;

    @Option(names = "--fingerprint", paramLabel = "SHA256:…", description = "the fingerprint the host must present ('zos-agent --fingerprint' on it shows it)")
    String expected;

    @Override
    void run(PrintWriter out) throws Exception {
        Fingerprint want = expected == null ? null : new Fingerprint(expected);
        X509Certificate[] chain = Peer.capture(config.identity(), host, port, Duration.ofSeconds(10));
        Fingerprint seen = Fingerprint.of(chain[0]);
        String name = org.zos.protocol.tls.PinningTrustManager.commonName(chain[0]);
        out.printf("%s (%s:%d) presents fingerprint %s%n", name, host, port, seen);
        KnownHosts known = config.knownHosts();
        String address = port == ZosServer.DEFAULT_PORT ? host : host + ":" + port;
        Authorities.Verdict site = known.site().check(chain);
        if (site instanceof Authorities.Revoked r) {
            throw new ZosException(ErrorCode.PEER_REVOKED, name + "'s endorsement was revoked by site authority '" + r.authority() + "' on " + r.when(),
                    "do not enrol it; if it was reinstalled, have the authority endorse it again");
        }
        if (want == null && site instanceof Authorities.Endorsed d) {
            known.trust(new KnownHosts.Entry(name, address, null));
            out.printf("Enrolled %s as a site host: site authority '%s' endorses its key (no pin; revoking it there refuses it here).%n",
                    name, d.authority());
            return;
        }
        if (want != null && !want.equals(seen)) {
            throw new ZosException(ErrorCode.UNKNOWN_PEER, host + " presents " + seen + ", not the " + want + " given",
                    "do not enrol it: check the fingerprint with its owner; someone may be in between");
        }
        if (want == null && !confirmed(out)) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "not enrolled: " + name + " needs confirmation",
                    "check the fingerprint with its owner ('zos-agent --fingerprint' on it), then run 'zos-vm trust "
                            + host + " --fingerprint " + seen + "'");
        }
        boolean replaced = known.byName(name).filter(e -> !seen.equals(e.fingerprint())).isPresent();
        known.trust(new KnownHosts.Entry(name, address, seen));
        out.printf("Enrolled %s%s. It must enrol this host too ('zos-vm trust %s' there) before they can talk.%n", name,
                replaced ? " (its old key is forgotten)" : "", config.identity().host());
    }

    private static boolean confirmed(PrintWriter out) {
        java.io.Console c = System.console();
        if (c == null) {
            return false;
        }
        out.print("Enrol it? Only if the fingerprint matches what its owner sees. [y/N] ");
        out.flush();
        String line = c.readLine();
        return line != null && line.strip().equalsIgnoreCase("y");
    }
}
