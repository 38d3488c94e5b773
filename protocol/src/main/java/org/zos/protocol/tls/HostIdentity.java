package org.zos.protocol.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * A host's long-lived identity: an Ed25519 key pair and a self-signed certificate naming the host
 * (CN = host name), made once and kept in a directory {@code dir} as {@code host.key} (PKCS#8 PEM, mode
 * 0600) and {@code host.crt} (PEM). Peers that pin the host recognise it by the certificate's
 * {@link Fingerprint}. A site authority may also endorse the key ({@code endorsement.crt} in the same
 * directory, see {@link SiteAuthority}); the host then presents the endorsement after its own certificate,
 * so pins stay valid and peers that trust the authority accept it without a pin.
 */
public record HostIdentity(String host, PrivateKey key, X509Certificate certificate, Path dir) {
    static final String ENDORSEMENT = "endorsement.crt";

    /** An identity kept nowhere (tests, benchmarks): it has no endorsement. */
    public HostIdentity(String host, PrivateKey key, X509Certificate certificate) {
        this(host, key, certificate, null);
    }

    /**
     * What this host presents in TLS: its own certificate, then its site endorsement if one is installed
     * (read at each call, so an endorsement installed while the agent runs is used from the next connection).
     */
    public X509Certificate[] chain() {
        return endorsement().map(e -> new X509Certificate[] {certificate, e}).orElse(new X509Certificate[] {certificate});
    }

    /** The site authority's endorsement of this host's key, if one is installed. */
    public java.util.Optional<X509Certificate> endorsement() {
        if (dir == null || !Files.exists(dir.resolve(ENDORSEMENT))) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(readCertificate(dir.resolve(ENDORSEMENT)));
        } catch (IOException | ZosException e) {
            return java.util.Optional.empty();
        }
    }

    /** Installs a site endorsement of this host's key (checked by the caller), replacing any other. */
    public void installEndorsement(X509Certificate endorsement) throws IOException {
        if (dir == null) {
            throw new IllegalStateException("an identity kept nowhere cannot hold an endorsement");
        }
        writeAtomically(dir.resolve(ENDORSEMENT), pem("CERTIFICATE", encoded(endorsement)));
    }

    public Fingerprint fingerprint() {
        return Fingerprint.of(certificate);
    }

    /** Loads the identity in {@code dir}, creating it for {@code host} on first use. */
    public static HostIdentity loadOrCreate(Path dir, String host) throws IOException {
        Path keyFile = dir.resolve("host.key");
        Path certFile = dir.resolve("host.crt");
        if (!Files.exists(keyFile) || !Files.exists(certFile)) {
            HostIdentity made = generate(host);
            Files.createDirectories(dir);
            writePrivate(keyFile, pem("PRIVATE KEY", made.key.getEncoded()));
            Files.writeString(certFile, pem("CERTIFICATE", encoded(made.certificate)));
            return new HostIdentity(made.host, made.key, made.certificate, dir);
        }
        return load(dir);
    }

    public static HostIdentity load(Path dir) throws IOException {
        try {
            byte[] key = unpem(Files.readString(dir.resolve("host.key")));
            byte[] cert = unpem(Files.readString(dir.resolve("host.crt")));
            PrivateKey pk = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(key));
            X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(cert));
            return new HostIdentity(PinningTrustManager.commonName(c), pk, c, dir);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the host identity in " + dir + " is damaged: " + e.getMessage(),
                    "restore host.key and host.crt from a backup, or remove both to make a new identity (peers must enrol it again)");
        }
    }

    /** A new identity for {@code host}: a fresh Ed25519 key and a certificate valid for 100 years. */
    public static HostIdentity generate(String host) {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, host).build();
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()),
                    Date.from(now.minus(1, ChronoUnit.DAYS)), Date.from(now.plus(36500, ChronoUnit.DAYS)), name, pair.getPublic());
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("Ed25519").build(pair.getPrivate())));
            return new HostIdentity(host, pair.getPrivate(), cert);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make an Ed25519 certificate", e);
        }
    }

    static void writePrivate(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }

    static void writeAtomically(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The one certificate in a PEM file; INTEGRITY_ERROR naming the file if it holds none. */
    static X509Certificate readCertificate(Path file) throws IOException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(unpem(Files.readString(file))));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, file + " is not a certificate: " + e.getMessage(),
                    "replace it with the file the site authority made");
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    static byte[] unpem(String text) {
        return Base64.getMimeDecoder().decode(text.replaceAll("-----[A-Z0-9 ]+-----", ""));
    }
}
