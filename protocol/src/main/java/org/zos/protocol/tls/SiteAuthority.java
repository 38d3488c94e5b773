package org.zos.protocol.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * A site authority: the one key of a lab that endorses its hosts, so that each host enrols the
 * authority once instead of every other host by fingerprint (N steps for N hosts, not N²).
 *
 * <p>It lives in a directory of its own, on the administrator's machine rather than on the hosts:
 * <pre>
 *   authority.properties   name, crl-url, the last CRL number
 *   ca.key                 the authority's Ed25519 key (PKCS#8 PEM, mode 0600)
 *   issued                 one line per endorsement: serial host not-after revoked-at|-
 *   public/ca.crt          the authority's certificate, for every host ('zos-vm ca install')
 *   public/crl.pem         the current revocation list, signed, for every host
 * </pre>
 * An endorsement is an X.509 certificate for the host's own Ed25519 key with CN = the host's name,
 * signed by the authority ({@link #sign}). The authority's certificate names where its revocation list
 * is published (its CRL distribution point, {@code --crl-url}, http(s): or file:); agents fetch it from
 * there ({@link Authorities#refresh}). Revoking ({@link #revoke}) writes a new list with a higher CRL
 * number to {@code public/crl.pem}; publishing it at that URL is the administrator's (serve or share
 * the folder {@code public/} itself, and every revoke is published at once).
 */
public final class SiteAuthority {
    /** How long an endorsement is valid unless said otherwise. */
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(1825);
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private final Path dir;
    private final String name;
    private final URI crlUrl;
    private final PrivateKey key;
    private final X509Certificate certificate;

    /** One endorsement the authority made. */
    public record Issued(BigInteger serial, String host, Instant notAfter, Instant revoked) {
        public String serialText() {
            return serial.toString(16);
        }
    }

    private SiteAuthority(Path dir, String name, URI crlUrl, PrivateKey key, X509Certificate certificate) {
        this.dir = dir;
        this.name = name;
        this.crlUrl = crlUrl;
        this.key = key;
        this.certificate = certificate;
    }

    /** Makes a new authority in {@code dir}, which must not hold one. */
    public static SiteAuthority create(Path dir, String name, URI crlUrl) throws IOException {
        if (!NAME.matcher(name).matches()) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "'" + name + "' is not a site name",
                    "use lower-case letters, digits and '-', e.g. 'lab'");
        }
        if (crlUrl != null && !List.of("http", "https", "file").contains(String.valueOf(crlUrl.getScheme()))) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "the revocation list's address " + crlUrl + " is not an http(s): or file: URL",
                    "give where the hosts can fetch public/crl.pem, e.g. https://admin.example/zos/crl.pem or file:///srv/zos/crl.pem");
        }
        if (Files.exists(dir.resolve("ca.key"))) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, dir + " already holds a site authority", "use it, or choose another directory with --dir");
        }
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            X500Name subject = subject(name);
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minus(1, ChronoUnit.DAYS)),
                    Date.from(now.plus(36500, ChronoUnit.DAYS)), subject, pair.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            if (crlUrl != null) {
                GeneralNames where = new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, crlUrl.toString()));
                b.addExtension(Extension.cRLDistributionPoints, false,
                        new CRLDistPoint(new DistributionPoint[] {new DistributionPoint(new DistributionPointName(where), null, null)}));
            }
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(signer(pair.getPrivate())));
            Files.createDirectories(dir.resolve("public"));
            HostIdentity.writePrivate(dir.resolve("ca.key"), HostIdentity.pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
            HostIdentity.writeAtomically(dir.resolve("public/ca.crt"), HostIdentity.pem("CERTIFICATE", cert.getEncoded()));
            Properties p = new Properties();
            p.setProperty("name", name);
            if (crlUrl != null) {
                p.setProperty("crl-url", crlUrl.toString());
            }
            p.setProperty("crl-number", "0");
            store(dir, p);
            HostIdentity.writeAtomically(dir.resolve("issued"), "# serial host not-after revoked-at\n");
            SiteAuthority made = new SiteAuthority(dir, name, crlUrl, pair.getPrivate(), cert);
            made.publish(List.of());
            return made;
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make the authority's Ed25519 certificate", e);
        }
    }

    /** The authority in {@code dir}. */
    public static SiteAuthority open(Path dir) throws IOException {
        if (!Files.exists(dir.resolve("ca.key"))) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "no site authority in " + dir,
                    "make one with 'zos-vm ca init --name SITE', or name its directory with --dir");
        }
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(dir.resolve("authority.properties"))) {
            p.load(in);
        }
        try {
            PrivateKey key = KeyFactory.getInstance("Ed25519")
                    .generatePrivate(new PKCS8EncodedKeySpec(HostIdentity.unpem(Files.readString(dir.resolve("ca.key")))));
            String url = p.getProperty("crl-url");
            return new SiteAuthority(dir, p.getProperty("name"), url == null ? null : URI.create(url), key,
                    HostIdentity.readCertificate(dir.resolve("public/ca.crt")));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the site authority's key in " + dir + " is damaged: " + e.getMessage(),
                    "restore ca.key from a backup");
        }
    }

    public String name() {
        return name;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** The authority's certificate, to install on every host. */
    public Path certificateFile() {
        return dir.resolve("public/ca.crt");
    }

    /** The current revocation list. */
    public Path crlFile() {
        return dir.resolve("public/crl.pem");
    }

    /** A host's request to be endorsed: PKCS#10, CN = its name, signed with its own key (so it proves it holds the key). */
    public static String request(HostIdentity host) {
        try {
            PKCS10CertificationRequestBuilder b = new JcaPKCS10CertificationRequestBuilder(
                    new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, host.host()).build(), host.certificate().getPublicKey());
            return HostIdentity.pem("CERTIFICATE REQUEST", b.build(signer(host.key())).getEncoded());
        } catch (IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make a signing request", e);
        }
    }

    /** What a request asks: the host's name and the fingerprint of its key (to compare with the host's owner). */
    public record Request(String host, String keyFingerprint, JcaPKCS10CertificationRequest parsed) {
    }

    /** Reads and checks a request: BAD_PARAMETER if it is not one, INTEGRITY_ERROR if its signature fails. */
    public static Request parseRequest(String pem) {
        JcaPKCS10CertificationRequest r;
        try {
            r = new JcaPKCS10CertificationRequest(new PKCS10CertificationRequest(HostIdentity.unpem(pem)));
        } catch (IOException | RuntimeException e) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "not a signing request: " + e.getMessage(),
                    "make one on the host with 'zos-vm ca request > HOST.csr'");
        }
        try {
            if (!r.isSignatureValid(new JcaContentVerifierProviderBuilder().build(r.getPublicKey()))) {
                throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the signing request's signature does not match its key",
                        "it was altered on the way: make a new one on the host");
            }
            String host = r.getSubject().getRDNs(BCStyle.CN)[0].getFirst().getValue().toString();
            return new Request(host, Fingerprint.ofKey(r.getPublicKey()).text(), r);
        } catch (GeneralSecurityException | OperatorCreationException | org.bouncycastle.pkcs.PKCSException
                | ArrayIndexOutOfBoundsException e) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "the signing request cannot be read: " + e.getMessage(),
                    "make one on the host with 'zos-vm ca request > HOST.csr'");
        }
    }

    /** Endorses the requesting host's key for {@code validity}; the endorsement is recorded in {@code issued}. */
    public synchronized X509Certificate sign(Request request, Duration validity) throws IOException {
        try {
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            BigInteger serial = serial();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial, Date.from(now.minus(1, ChronoUnit.HOURS)),
                    Date.from(now.plus(validity)), new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, request.host()).build(),
                    request.parsed().getPublicKey());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(signer(key)));
            Files.writeString(dir.resolve("issued"), serial.toString(16) + " " + request.host() + " "
                    + cert.getNotAfter().toInstant() + " -\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
            return cert;
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot sign an endorsement", e);
        }
    }

    /** Every endorsement made, oldest first. */
    public synchronized List<Issued> issued() throws IOException {
        List<Issued> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("issued"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.strip().split("\\s+");
            out.add(new Issued(new BigInteger(f[0], 16), f[1], Instant.parse(f[2]), f[3].equals("-") ? null : Instant.parse(f[3])));
        }
        return out;
    }

    /**
     * Revokes the endorsements of {@code hostOrSerial} (a host's name: all of its endorsements; a serial:
     * that one) and publishes the new list. BAD_PARAMETER if none in force matches.
     */
    public synchronized List<Issued> revoke(String hostOrSerial) throws IOException {
        List<Issued> all = issued();
        List<Issued> hit = new ArrayList<>();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        List<Issued> next = new ArrayList<>();
        for (Issued i : all) {
            boolean match = i.revoked() == null && (i.host().equals(hostOrSerial) || i.serialText().equalsIgnoreCase(hostOrSerial));
            Issued n = match ? new Issued(i.serial(), i.host(), i.notAfter(), now) : i;
            if (match) {
                hit.add(n);
            }
            next.add(n);
        }
        if (hit.isEmpty()) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "the authority '" + name + "' has no endorsement in force for '" + hostOrSerial + "'",
                    "'zos-vm ca list' shows the endorsements it made");
        }
        StringBuilder text = new StringBuilder("# serial host not-after revoked-at\n");
        for (Issued i : next) {
            text.append(i.serialText()).append(' ').append(i.host()).append(' ').append(i.notAfter()).append(' ')
                    .append(i.revoked() == null ? "-" : i.revoked().toString()).append('\n');
        }
        HostIdentity.writeAtomically(dir.resolve("issued"), text.toString());
        publish(next);
        return hit;
    }

    /** Signs a new revocation list (the next CRL number) and writes it to public/crl.pem (by rename: readers never see half). */
    private void publish(List<Issued> issued) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(dir.resolve("authority.properties"))) {
            p.load(in);
        }
        BigInteger number = new BigInteger(p.getProperty("crl-number", "0")).add(BigInteger.ONE);
        try {
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            X509v2CRLBuilder b = new X509v2CRLBuilder(subject(name), Date.from(now));
            b.setNextUpdate(Date.from(now.plus(36500, ChronoUnit.DAYS)));
            b.addExtension(Extension.cRLNumber, false, new CRLNumber(number));
            for (Issued i : issued) {
                if (i.revoked() != null) {
                    b.addCRLEntry(i.serial(), Date.from(i.revoked()), CRLReason.keyCompromise);
                }
            }
            X509CRL crl = new JcaX509CRLConverter().getCRL(b.build(signer(key)));
            String text = HostIdentity.pem("X509 CRL", crl.getEncoded());
            HostIdentity.writeAtomically(crlFile(), text);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot sign a revocation list", e);
        }
        p.setProperty("crl-number", number.toString());
        store(dir, p);
    }

    /** A certificate as PEM text, as the authority's files and endorsements are kept. */
    public static String pem(X509Certificate c) {
        return HostIdentity.pem("CERTIFICATE", HostIdentity.encoded(c));
    }

    static X500Name subject(String name) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, name).addRDN(BCStyle.O, "zos site authority").build();
    }

    private static ContentSigner signer(PrivateKey key) throws OperatorCreationException {
        return new JcaContentSignerBuilder("Ed25519").build(key);
    }

    private static BigInteger serial() {
        return new BigInteger(63, new SecureRandom()).add(BigInteger.ONE);
    }

    private static void store(Path dir, Properties p) throws IOException {
        java.io.StringWriter w = new java.io.StringWriter();
        p.store(w, "zos site authority");
        HostIdentity.writeAtomically(dir.resolve("authority.properties"), w.toString());
    }
}
