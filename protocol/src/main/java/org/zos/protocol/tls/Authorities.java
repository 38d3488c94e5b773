package org.zos.protocol.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * The site authorities this host trusts, and what they revoked: a directory ({@code /etc/zos/authorities})
 * holding {@code NAME.crt}, each authority's certificate, and {@code NAME.crl}, the newest revocation list
 * this host has seen from it (checked against the certificate before it is kept). Re-read whenever a
 * file in it changes.
 *
 * <p>{@link #check} tells what a peer's TLS chain says about it: no endorsement this host can use
 * ({@link None}), an endorsement for its own key and name ({@link Endorsed}), one the authority revoked
 * ({@link Revoked}), or one that is broken, expired or names another host ({@link Invalid}).
 * {@link #refresh} fetches each authority's list from where its certificate says it is published.
 */
public final class Authorities {
    /** The peer shows no endorsement by an authority this host trusts. */
    public record None(String why) implements Verdict {
    }

    /** An authority this host trusts endorses the peer's key under its name. */
    public record Endorsed(String host, String authority, BigInteger serial) implements Verdict {
    }

    /** The authority revoked the endorsement the peer shows. */
    public record Revoked(String host, String authority, BigInteger serial, Instant when) implements Verdict {
    }

    /** The endorsement does not hold (signature, validity, another key or name). */
    public record Invalid(String why) implements Verdict {
    }

    public sealed interface Verdict permits None, Endorsed, Revoked, Invalid {
    }

    /** One trusted authority, with its newest revocation list (null before the first). */
    public record Anchor(String name, X509Certificate certificate, X509CRL crl) {
        public BigInteger crlNumber() {
            return crl == null ? BigInteger.ZERO : number(crl);
        }

        /** Where the authority publishes its revocation list (its certificate's CRL distribution point), if anywhere. */
        public Optional<URI> crlSource() {
            try {
                byte[] ext = certificate.getExtensionValue(org.bouncycastle.asn1.x509.Extension.cRLDistributionPoints.getId());
                if (ext == null) {
                    return Optional.empty();
                }
                for (DistributionPoint p : CRLDistPoint.getInstance(JcaX509ExtensionUtils.parseExtensionValue(ext)).getDistributionPoints()) {
                    for (GeneralName n : GeneralNames.getInstance(p.getDistributionPoint().getName()).getNames()) {
                        if (n.getTagNo() == GeneralName.uniformResourceIdentifier) {
                            return Optional.of(URI.create(n.getName().toString()));
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // an authority without a usable distribution point: its list arrives by 'zos-vm ca install'
            }
            return Optional.empty();
        }
    }

    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(Authorities.class.getName());
    private final Path dir;
    private String stamp = "";
    private List<Anchor> anchors = List.of();

    public Authorities(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** The authorities trusted now. */
    public synchronized List<Anchor> anchors() {
        String now = stamp();
        if (!now.equals(stamp)) {
            anchors = read();
            stamp = now;
        }
        return anchors;
    }

    public boolean any() {
        return !anchors().isEmpty();
    }

    /** What {@code chain} (a peer's certificate, then what it presents after it) says about the peer. */
    public Verdict check(X509Certificate[] chain) {
        List<Anchor> trusted = anchors();
        if (trusted.isEmpty()) {
            return new None("this host trusts no site authority");
        }
        X509Certificate leaf = chain[0];
        if (chain.length < 2) {
            return new None("it presents no site endorsement");
        }
        X509Certificate e = chain[1];
        Optional<Anchor> by = trusted.stream().filter(a -> a.certificate().getSubjectX500Principal().equals(e.getIssuerX500Principal())).findFirst();
        if (by.isEmpty()) {
            return new None("it is endorsed by '" + e.getIssuerX500Principal().getName() + "', an authority this host does not trust");
        }
        Anchor a = by.get();
        String host = PinningTrustManager.commonName(e);
        try {
            e.verify(a.certificate().getPublicKey());
        } catch (GeneralSecurityException x) {
            return new Invalid("its endorsement does not verify with site authority '" + a.name() + "'s key");
        }
        if (!Arrays.equals(e.getPublicKey().getEncoded(), leaf.getPublicKey().getEncoded())) {
            return new Invalid("its endorsement by '" + a.name() + "' is for another key");
        }
        if (!host.equals(PinningTrustManager.commonName(leaf))) {
            return new Invalid("'" + a.name() + "' endorsed its key as " + host + " but it calls itself " + PinningTrustManager.commonName(leaf));
        }
        if (e.getBasicConstraints() != -1) {
            return new Invalid("what it presents as its endorsement is an authority's certificate");
        }
        X509CRLEntry revoked = a.crl() == null ? null : a.crl().getRevokedCertificate(e.getSerialNumber());
        if (revoked != null) {
            return new Revoked(host, a.name(), e.getSerialNumber(), revoked.getRevocationDate().toInstant());
        }
        Instant now = Instant.now();
        if (now.isAfter(e.getNotAfter().toInstant()) || now.isBefore(e.getNotBefore().toInstant())) {
            return new Invalid("its endorsement by '" + a.name() + "' is valid from " + e.getNotBefore().toInstant() + " to "
                    + e.getNotAfter().toInstant() + ", not now");
        }
        return new Endorsed(host, a.name(), e.getSerialNumber());
    }

    /** Trusts an authority from now on; returns its name. BAD_PARAMETER if it is no authority, or another holds its name. */
    public synchronized String install(X509Certificate ca) throws IOException {
        String name = PinningTrustManager.commonName(ca);
        if (ca.getBasicConstraints() < 0 || !ca.getSubjectX500Principal().equals(ca.getIssuerX500Principal())) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "the certificate of '" + name + "' is not a site authority's",
                    "install public/ca.crt from the authority's directory ('zos-vm ca init' made it)");
        }
        try {
            ca.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the certificate of site authority '" + name + "' does not verify",
                    "it was altered on the way: copy public/ca.crt again");
        }
        Path file = dir.resolve(name + ".crt");
        if (Files.exists(file)) {
            X509Certificate had = HostIdentity.readCertificate(file);
            if (had.equals(ca)) {
                return name;
            }
            throw new ZosException(ErrorCode.PEER_KEY_CHANGED, "another site authority named '" + name + "' is trusted here already",
                    "if the site made a new authority, remove " + file + " and " + dir.resolve(name + ".crl") + " first");
        }
        HostIdentity.writeAtomically(file, HostIdentity.pem("CERTIFICATE", HostIdentity.encoded(ca)));
        return name;
    }

    /**
     * Keeps {@code crl} if a trusted authority signed it and it is newer than the list held; true if it
     * was kept. INTEGRITY_ERROR if no trusted authority signed it.
     */
    public synchronized boolean install(X509CRL crl) throws IOException {
        for (Anchor a : anchors()) {
            if (!a.certificate().getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
                continue;
            }
            try {
                crl.verify(a.certificate().getPublicKey());
            } catch (GeneralSecurityException e) {
                throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the revocation list of '" + a.name() + "' does not verify with its key",
                        "fetch it again from the authority; it was altered or comes from another authority of that name");
            }
            if (number(crl).compareTo(a.crlNumber()) <= 0) {
                return false;
            }
            try {
                HostIdentity.writeAtomically(dir.resolve(a.name() + ".crl"), HostIdentity.pem("X509 CRL", crl.getEncoded()));
            } catch (java.security.cert.CRLException e) {
                throw new IllegalStateException(e);
            }
            return true;
        }
        throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the revocation list of '" + crl.getIssuerX500Principal().getName()
                + "' comes from an authority this host does not trust", "install the authority's certificate first ('zos-vm ca install ca.crt')");
    }

    /**
     * Fetches each authority's revocation list from where its certificate says it is published (file: or
     * http(s):) and keeps those that are newer. Returns one line per change or failure; a failure leaves the
     * list held as it was.
     */
    public List<String> refresh() {
        List<String> said = new ArrayList<>();
        for (Anchor a : anchors()) {
            Optional<URI> from = a.crlSource();
            if (from.isEmpty()) {
                continue;
            }
            try {
                X509CRL crl = parseCrl(fetch(from.get()));
                if (install(crl)) {
                    said.add("site authority '" + a.name() + "': revocation list " + number(crl) + " from " + from.get() + ", "
                            + (crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size()) + " revoked");
                }
            } catch (IOException | ZosException | InterruptedException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                said.add("site authority '" + a.name() + "': cannot fetch its revocation list from " + from.get() + ": " + e.getMessage());
            }
        }
        return said;
    }

    private static byte[] fetch(URI from) throws IOException, InterruptedException {
        if ("file".equals(from.getScheme())) {
            return Files.readAllBytes(Path.of(from));
        }
        HttpResponse<byte[]> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NORMAL)
                .build().send(HttpRequest.newBuilder(from).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IOException("HTTP " + r.statusCode());
        }
        return r.body();
    }

    /** A revocation list from PEM or DER bytes; BAD_PARAMETER if it is none. */
    public static X509CRL parseCrl(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        byte[] der = text.contains("-----BEGIN") ? HostIdentity.unpem(text) : bytes;
        try {
            return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "not a revocation list: " + e.getMessage(), "give public/crl.pem from the authority");
        }
    }

    static BigInteger number(X509CRL crl) {
        byte[] ext = crl.getExtensionValue(org.bouncycastle.asn1.x509.Extension.cRLNumber.getId());
        if (ext == null) {
            return BigInteger.ZERO;
        }
        try {
            return ASN1Integer.getInstance(JcaX509ExtensionUtils.parseExtensionValue(ext)).getValue();
        } catch (IOException e) {
            return BigInteger.ZERO;
        }
    }

    private String stamp() {
        if (dir == null || !Files.isDirectory(dir)) {
            return "-";
        }
        StringBuilder s = new StringBuilder();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                s.append(f.getFileName()).append(' ').append(Files.getLastModifiedTime(f).toMillis()).append(' ').append(Files.size(f)).append(';');
            }
        } catch (IOException e) {
            return "?";
        }
        return s.toString();
    }

    private List<Anchor> read() {
        if (dir == null || !Files.isDirectory(dir)) {
            return List.of();
        }
        List<Anchor> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".crt")).sorted().toList()) {
                X509Certificate c = HostIdentity.readCertificate(f);
                String name = f.getFileName().toString().replaceFirst("\\.crt$", "");
                Path crlFile = dir.resolve(name + ".crl");
                X509CRL crl = null;
                if (Files.exists(crlFile)) {
                    // A damaged list is set aside, not trusted: the next refresh (within 30 s in the agent)
                    // keeps the authority's own again; refusing every host until then would stop the site.
                    try {
                        crl = parseCrl(Files.readAllBytes(crlFile));
                        crl.verify(c.getPublicKey());
                    } catch (GeneralSecurityException | ZosException e) {
                        LOG.warning(crlFile + " is damaged or not signed by " + f + "; it is set aside until the authority's list is fetched again");
                        Files.move(crlFile, crlFile.resolveSibling(name + ".crl.damaged"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        crl = null;
                    }
                }
                out.add(new Anchor(name, c, crl));
            }
        } catch (IOException e) {
            throw new ZosException(ErrorCode.INTERNAL, "cannot read " + dir + ": " + e.getMessage(), "check its permissions");
        }
        return List.copyOf(out);
    }
}
