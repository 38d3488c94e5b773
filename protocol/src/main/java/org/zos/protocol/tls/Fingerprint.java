package org.zos.protocol.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.regex.Pattern;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * A certificate's fingerprint as people see it, in OpenSSH's style: "SHA256:" and the unpadded base64
 * of the SHA-256 of the certificate's DER encoding (43 characters).
 */
public record Fingerprint(String text) {
    private static final Pattern FORM = Pattern.compile("SHA256:[A-Za-z0-9+/]{43}");

    public Fingerprint {
        if (text == null || !FORM.matcher(text).matches()) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "'" + text + "' is not a zos fingerprint",
                    "a fingerprint looks like SHA256: followed by 43 base64 characters; 'zos-agent --fingerprint' shows a host's");
        }
    }

    /** The fingerprint of a certificate: what pins and {@code known_hosts} hold. */
    public static Fingerprint of(X509Certificate cert) {
        try {
            return ofBytes(cert.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The fingerprint of a public key (its X.509 encoding): how a site authority names a host's key. */
    public static Fingerprint ofKey(java.security.PublicKey key) {
        return ofBytes(key.getEncoded());
    }

    private static Fingerprint ofBytes(byte[] encoded) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(encoded);
            return new Fingerprint("SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(d));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
