package org.zos.protocol.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * The web console's own TLS identity: browsers do not take the host identity's Ed25519 certificates, so
 * the console has an ECDSA P-256 key and a self-signed certificate (valid two years) naming the host,
 * localhost and the addresses it listens on. Kept beside the host identity as console.key and
 * console.crt; made again when it expires or when it does not name an address the console now listens
 * on. Users check it by its fingerprint, which {@code zos-vm console} prints.
 */
public record WebIdentity(PrivateKey key, X509Certificate certificate) {

    public Fingerprint fingerprint() {
        return Fingerprint.of(certificate);
    }

    /** The certificate's SHA-256 as browsers show it: upper-case hex, bytes separated by ':'. */
    public String browserFingerprint() {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            StringBuilder b = new StringBuilder();
            for (byte x : d) {
                b.append(b.length() == 0 ? "" : ":").append(String.format("%02X", x));
            }
            return b.toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The identity in {@code dir}, made (or made again) when missing, expiring or not naming {@code names}. */
    public static WebIdentity loadOrCreate(Path dir, String host, List<String> names) throws IOException {
        Path keyFile = dir.resolve("console.key");
        Path certFile = dir.resolve("console.crt");
        Set<String> wanted = new LinkedHashSet<>(List.of(host, "localhost", "127.0.0.1", "::1"));
        wanted.addAll(names);
        if (Files.exists(keyFile) && Files.exists(certFile)) {
            WebIdentity w = load(keyFile, certFile);
            if (w.certificate.getNotAfter().toInstant().isAfter(Instant.now().plus(30, ChronoUnit.DAYS))
                    && w.names().containsAll(canonical(wanted))) {
                return w;
            }
        }
        WebIdentity made = generate(host, wanted);
        Files.createDirectories(dir);
        HostIdentity.writePrivate(keyFile, HostIdentity.pem("PRIVATE KEY", made.key.getEncoded()));
        try {
            Files.writeString(certFile, HostIdentity.pem("CERTIFICATE", made.certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        return made;
    }

    /** The DNS names and addresses the certificate names. */
    public Set<String> names() {
        Set<String> out = new LinkedHashSet<>();
        try {
            if (certificate.getSubjectAlternativeNames() != null) {
                for (List<?> n : certificate.getSubjectAlternativeNames()) {
                    out.add(canonicalOne(String.valueOf(n.get(1))));
                }
            }
        } catch (GeneralSecurityException e) {
            // no names: made again
        }
        return out;
    }

    static WebIdentity load(Path keyFile, Path certFile) throws IOException {
        try {
            PrivateKey pk = KeyFactory.getInstance("EC").generatePrivate(
                    new PKCS8EncodedKeySpec(HostIdentity.unpem(Files.readString(keyFile))));
            X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(HostIdentity.unpem(Files.readString(certFile))));
            return new WebIdentity(pk, c);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the console identity " + certFile + " is damaged: " + e.getMessage(),
                    "remove console.key and console.crt; the agent makes new ones at start");
        }
    }

    static WebIdentity generate(String host, Set<String> names) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = g.generateKeyPair();
            X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, host + " zos console").build();
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()),
                    Date.from(now.minus(1, ChronoUnit.DAYS)), Date.from(now.plus(730, ChronoUnit.DAYS)), name, pair.getPublic());
            List<GeneralName> alt = new ArrayList<>();
            for (String n : names) {
                alt.add(isAddress(n) ? new GeneralName(GeneralName.iPAddress, n) : new GeneralName(GeneralName.dNSName, n));
            }
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alt.toArray(GeneralName[]::new)));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            return new WebIdentity(pair.getPrivate(), cert);
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot make the console's certificate", e);
        }
    }

    private static boolean isAddress(String n) {
        return n.matches("[0-9.]+") || n.contains(":");
    }

    private static Set<String> canonical(Set<String> names) {
        Set<String> out = new LinkedHashSet<>();
        names.forEach(n -> out.add(canonicalOne(n)));
        return out;
    }

    /** Addresses in one spelling (a certificate gives "0:0:0:0:0:0:0:1" for "::1"). */
    private static String canonicalOne(String n) {
        if (!isAddress(n)) {
            return n.toLowerCase(java.util.Locale.ROOT);
        }
        try {
            return InetAddress.getByName(n).getHostAddress();
        } catch (IOException e) {
            return n;
        }
    }
}
