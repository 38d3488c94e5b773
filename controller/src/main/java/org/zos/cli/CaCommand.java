package org.zos.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.tls.Authorities;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;
import org.zos.protocol.tls.PinningTrustManager;
import org.zos.protocol.tls.Fingerprint;
import org.zos.protocol.tls.SiteAuthority;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code zos-vm ca}: a site authority, so that a lab's hosts trust each other by enrolling one authority
 * each instead of every other host by fingerprint. The authority's own commands (init, sign, revoke,
 * list) work on its directory, on the administrator's machine; the host's (request, install, status) on
 * this host's configuration.
 */
@Command(name = "ca", description = {"A site authority: hosts it endorses trust each other without pinning each other.",
        "On the authority's machine: init, sign, revoke, list. On each host: request, install, status."},
        subcommands = {CaCommand.Init.class, CaCommand.Request.class, CaCommand.Sign.class, CaCommand.Install.class,
                CaCommand.Revoke.class, CaCommand.ListIssued.class, CaCommand.Status.class})
final class CaCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a ca command is needed");
    }

    /** Where the authority's directory is. */
    static final class AuthorityDir {
        @Option(names = "--dir", paramLabel = "DIR", description = "the authority's directory (default: $ZOS_CA_DIR or ~/.local/share/zos/ca)")
        Path dir = Path.of(HostOptions.envOr("ZOS_CA_DIR", System.getProperty("user.home") + "/.local/share/zos/ca"));

        SiteAuthority open() throws java.io.IOException {
            return SiteAuthority.open(dir);
        }
    }

    @Command(name = "init", description = "Make a site authority: its key, its certificate (public/ca.crt) and an empty revocation list (public/crl.pem).")
    static final class Init extends PrintingCommand {
        @Mixin
        AuthorityDir where;

        @Option(names = "--name", required = true, paramLabel = "SITE", description = "the site's name: lower-case letters, digits, '-'")
        String name;

        @Option(names = "--crl-url", paramLabel = "URL", description = {"where hosts fetch the revocation list (http:, https: or file:);",
                "agents fetch it every 30 s. Without it, lists reach hosts only by 'zos-vm ca install'"})
        URI crlUrl;

        @Override
        void run(PrintWriter out) throws Exception {
            SiteAuthority ca = SiteAuthority.create(where.dir, name, crlUrl);
            out.printf("Made site authority '%s' in %s.%n", ca.name(), where.dir);
            out.printf("On every host: 'zos-vm ca install %s', then 'zos-vm ca request' for you to sign.%n", ca.certificateFile());
            if (crlUrl != null) {
                out.printf("Publish %s at %s (serve or share the folder %s, and each revoke is published at once): agents fetch it from there.%n",
                        ca.crlFile(), crlUrl, ca.crlFile().getParent());
            }
            out.printf("Keep %s secret and backed up: whoever holds it can endorse hosts.%n", where.dir.resolve("ca.key"));
        }
    }

    @Command(name = "request", description = "Print this host's signing request, for the site authority's 'zos-vm ca sign'.")
    static final class Request extends ConfigCommand {
        @Option(names = "--out", paramLabel = "FILE", description = "write it to FILE instead of standard output")
        Path file;

        @Override
        void run(PrintWriter out) throws Exception {
            HostIdentity me = config.identity();
            String pem = SiteAuthority.request(me);
            String key = Fingerprint.ofKey(me.certificate().getPublicKey()).text();
            if (file == null) {
                out.print(pem);
                out.flush();
            } else {
                Files.writeString(file, pem);
                out.printf("Wrote %s's signing request to %s.%n", me.host(), file);
            }
            spec.commandLine().getErr().printf("%s's key is %s: the site administrator should see the same when signing.%n", me.host(), key);
        }
    }

    @Command(name = "sign", description = "Endorse the host whose signing request is in REQUEST ('-': standard input).")
    static final class Sign extends PrintingCommand {
        @Mixin
        AuthorityDir where;

        @Parameters(paramLabel = "REQUEST", description = "the file 'zos-vm ca request' wrote on the host")
        String request;

        @Option(names = "--days", paramLabel = "N", description = "how long the endorsement is valid (default: 1825)")
        int days = (int) SiteAuthority.DEFAULT_VALIDITY.toDays();

        @Option(names = "--key", paramLabel = "SHA256:…", description = "sign only if the host's key is this one ('zos-vm ca request' shows it on the host)")
        String key;

        @Option(names = "--out", paramLabel = "FILE", description = "write the endorsement to FILE instead of standard output")
        Path file;

        @Override
        void run(PrintWriter out) throws Exception {
            SiteAuthority ca = where.open();
            String text = request.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.US_ASCII) : read(Path.of(request));
            SiteAuthority.Request r = SiteAuthority.parseRequest(text);
            if (key != null && !key.equals(r.keyFingerprint())) {
                throw new ZosException(ErrorCode.UNKNOWN_PEER, "the request for " + r.host() + " is for key " + r.keyFingerprint() + ", not " + key,
                        "do not sign it: ask " + r.host() + "'s owner for a new request, made on the host itself");
            }
            if (days < 1) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, "--days must be at least 1", "give how many days the endorsement holds");
            }
            X509Certificate e = ca.sign(r, Duration.ofDays(days));
            String pem = SiteAuthority.pem(e);
            PrintWriter say = file == null ? spec.commandLine().getErr() : out;
            if (file == null) {
                out.print(pem);
                out.flush();
            } else {
                Files.writeString(file, pem);
            }
            say.printf("Site authority '%s' endorsed %s (key %s) as serial %s, valid until %s%s.%n", ca.name(), r.host(), r.keyFingerprint(),
                    e.getSerialNumber().toString(16), e.getNotAfter().toInstant(), file == null ? "" : ", in " + file);
            say.printf("On %s: 'zos-vm ca install %s'.%n", r.host(), file == null ? "ENDORSEMENT" : file.getFileName());
            say.flush();
        }
    }

    @Command(name = "install", description = {"Install the site authority's certificate, this host's endorsement or a revocation list.",
            "Its certificate makes this host trust the hosts it endorses. The agent uses them from its next connection."})
    static final class Install extends ConfigCommand {
        @Parameters(paramLabel = "FILE", arity = "1..*", description = "ca.crt, this host's endorsement, crl.pem (in any order)")
        List<Path> files;

        @Override
        void run(PrintWriter out) throws Exception {
            HostIdentity me = config.identity();
            KnownHosts known = config.knownHosts();
            Authorities site = known.site();
            List<X509Certificate> endorsements = new ArrayList<>();
            List<X509CRL> lists = new ArrayList<>();
            for (Path f : files) {
                String text = read(f);
                if (text.contains("X509 CRL")) {
                    lists.add(Authorities.parseCrl(text.getBytes(StandardCharsets.ISO_8859_1)));
                    continue;
                }
                X509Certificate c = certificate(f, text);
                if (c.getBasicConstraints() >= 0) {
                    String name = site.install(c);
                    out.printf("This host trusts site authority '%s' (%s).%n", name, Fingerprint.ofKey(c.getPublicKey()).text());
                } else {
                    endorsements.add(c);
                }
            }
            for (X509Certificate e : endorsements) {
                if (!java.util.Arrays.equals(e.getPublicKey().getEncoded(), me.certificate().getPublicKey().getEncoded())) {
                    throw new ZosException(ErrorCode.BAD_PARAMETER, "that endorsement is for another key (" + PinningTrustManager.commonName(e)
                            + "), not this host's", "install each host's endorsement on that host");
                }
                Authorities.Verdict v = site.check(new X509Certificate[] {me.certificate(), e});
                if (!(v instanceof Authorities.Endorsed d)) {
                    throw new ZosException(ErrorCode.BAD_PARAMETER, "this host cannot use that endorsement: " + verdict(v),
                            "install the authority's certificate first (or in the same command), and check the endorsement is this host's");
                }
                me.installEndorsement(e);
                out.printf("This host is endorsed by site authority '%s' as %s (serial %s, valid until %s).%n", d.authority(), d.host(),
                        d.serial().toString(16), e.getNotAfter().toInstant());
            }
            for (X509CRL crl : lists) {
                out.println(site.install(crl) ? "Installed the revocation list of '" + PinningTrustManager.commonName(crl.getIssuerX500Principal()) + "'."
                        : "The revocation list held here is as new or newer; nothing changed.");
            }
            for (String line : site.refresh()) {
                out.println(line);
            }
        }

        private static X509Certificate certificate(Path f, String text) {
            try {
                return (X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)));
            } catch (java.security.cert.CertificateException | ClassCastException e) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, f + " is neither a certificate nor a revocation list",
                        "give the files the site authority made: public/ca.crt, an endorsement, public/crl.pem");
            }
        }
    }

    @Command(name = "revoke", description = {"Revoke the endorsements of HOST (or the one with that serial) and publish the new revocation list.",
            "Every agent that fetches it refuses the host within a minute."})
    static final class Revoke extends PrintingCommand {
        @Mixin
        AuthorityDir where;

        @Parameters(paramLabel = "HOST|SERIAL", description = "a host's name (all its endorsements) or one endorsement's serial")
        String what;

        @Override
        void run(PrintWriter out) throws Exception {
            SiteAuthority ca = where.open();
            for (SiteAuthority.Issued i : ca.revoke(what)) {
                out.printf("Revoked %s's endorsement %s.%n", i.host(), i.serialText());
            }
            out.printf("The new revocation list is %s; agents fetch it from %s within 30 s of its publication there.%n", ca.crlFile(),
                    new Authorities.Anchor(ca.name(), ca.certificate(), null).crlSource().map(URI::toString)
                            .orElse("nowhere: install it on each host ('zos-vm ca install crl.pem')"));
        }
    }

    @Command(name = "list", description = "List the endorsements the site authority made.")
    static final class ListIssued extends PrintingCommand {
        @Mixin
        AuthorityDir where;

        @Mixin
        JsonOption json;

        record Endorsement(String serial, String host, String notAfter, String revoked) {
        }

        @Override
        void run(PrintWriter out) throws Exception {
            List<Endorsement> all = where.open().issued().stream().map(i -> new Endorsement(i.serialText(), i.host(), i.notAfter().toString(),
                    i.revoked() == null ? null : i.revoked().toString())).toList();
            if (json.printed(out, all)) {
                return;
            }
            out.printf("%-17s %-20s %-21s %s%n", "SERIAL", "HOST", "VALID UNTIL", "STATE");
            for (Endorsement e : all) {
                out.printf("%-17s %-20s %-21s %s%n", e.serial(), e.host(), e.notAfter(), e.revoked() == null ? "in force" : "revoked " + e.revoked());
            }
        }
    }

    @Command(name = "status", description = "Show the site authorities this host trusts, their revocation lists, and this host's endorsement.")
    static final class Status extends ConfigCommand {
        @Mixin
        JsonOption json;

        record Authority(String name, String key, String crlSource, String crlNumber, int revoked, String crlIssued) {
        }

        record SiteStatus(String host, List<Authority> authorities, String endorsement) {
        }

        @Override
        void run(PrintWriter out) throws Exception {
            HostIdentity me = config.identity();
            Authorities site = config.knownHosts().site();
            List<Authority> all = site.anchors().stream().map(a -> new Authority(a.name(), Fingerprint.ofKey(a.certificate().getPublicKey()).text(),
                    a.crlSource().map(URI::toString).orElse(null), a.crlNumber().toString(),
                    a.crl() == null || a.crl().getRevokedCertificates() == null ? 0 : a.crl().getRevokedCertificates().size(),
                    a.crl() == null ? null : a.crl().getThisUpdate().toInstant().toString())).toList();
            String endorsement = me.endorsement().map(e -> verdict(site.check(me.chain()))).orElse("none");
            if (json.printed(out, new SiteStatus(me.host(), all, endorsement))) {
                return;
            }
            if (all.isEmpty()) {
                out.println("This host trusts no site authority; hosts are pinned one by one ('zos-vm trust').");
            }
            for (Authority a : all) {
                out.printf("Site authority '%s' (%s): revocation list %s of %s, %d revoked, from %s%n", a.name(), a.key(), a.crlNumber(),
                        a.crlIssued() == null ? "never fetched" : a.crlIssued(), a.revoked(), a.crlSource() == null ? "'zos-vm ca install'" : a.crlSource());
            }
            out.printf("This host (%s): %s%n", me.host(), endorsement.equals("none") ? "not endorsed ('zos-vm ca request')" : endorsement);
        }
    }

    /** A file the user named; BAD_PARAMETER naming it if it cannot be read. */
    static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.ISO_8859_1);
        } catch (java.io.IOException e) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "cannot read " + f + ": " + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()),
                    "give the path of the file the site authority or 'zos-vm ca request' made");
        }
    }

    static String verdict(Authorities.Verdict v) {
        if (v instanceof Authorities.Endorsed d) {
            return "endorsed by '" + d.authority() + "' as " + d.host() + " (serial " + d.serial().toString(16) + ")";
        }
        if (v instanceof Authorities.Revoked r) {
            return "REVOKED by '" + r.authority() + "' on " + r.when() + " (serial " + r.serial().toString(16) + ")";
        }
        return v instanceof Authorities.Invalid i ? "invalid: " + i.why() : "not usable: " + ((Authorities.None) v).why();
    }
}
