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

    public static Fingerprint of(X509Certificate cert) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
            return new Fingerprint("SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(d));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
