package org.zos.store.parcel;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.regex.Pattern;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * A remote as the configuration names it: {@code remotes/NAME.properties} in the zos configuration
 * directory (/etc/zos), with
 *
 * <pre>
 * endpoint    = http://10.0.0.5:7480   (absent: AWS S3 itself)
 * bucket      = zos
 * prefix      = lab/                   (optional: every key of zos starts with it)
 * region      = us-east-1              (optional)
 * credentials = /etc/zos/remotes/lab.credentials   (optional: an AWS credentials file, profile 'default'
 *                                                   or the one named by 'profile'; absent: the standard
 *                                                   AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY variables)
 * timeout     = 60                     (optional: seconds a request may wait for an answer before it is
 *                                       tried again; 5 tries, then the remote is HOST_UNREACHABLE)
 * </pre>
 */
public record RemoteConfig(String name, URI endpoint, String bucket, String prefix, String region, Path credentials,
        String profile, int timeoutSeconds) {
    /** The default {@link #timeoutSeconds}. */
    public static final int TIMEOUT = 60;

    /** A remote with the default timeout. */
    public RemoteConfig(String name, URI endpoint, String bucket, String prefix, String region, Path credentials, String profile) {
        this(name, endpoint, bucket, prefix, region, credentials, profile, TIMEOUT);
    }

    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

    public RemoteConfig {
        if (!NAME.matcher(name).matches()) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "'" + name + "' is not a valid remote name",
                    "use 1 to 63 characters from a-z, 0-9, '.', '_' and '-'");
        }
        if (bucket == null || bucket.isBlank()) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "remote '" + name + "' names no bucket", "add 'bucket = NAME' to its file");
        }
        prefix = prefix == null ? "" : prefix;
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        region = region == null || region.isBlank() ? "us-east-1" : region;
        profile = profile == null || profile.isBlank() ? "default" : profile;
        if (timeoutSeconds < 1 || timeoutSeconds > 3600) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "remote '" + name + "' has timeout " + timeoutSeconds + " s",
                    "give 'timeout' in seconds, 1 to 3600");
        }
    }

    /** The file that configures remote {@code name} under {@code configDir}. */
    public static Path file(Path configDir, String name) {
        return configDir.resolve("remotes").resolve(name + ".properties");
    }

    /** Reads remote {@code name}'s file; a missing one is BAD_PARAMETER naming the file to write. */
    public static RemoteConfig load(Path configDir, String name) throws IOException {
        if (!NAME.matcher(name).matches()) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "'" + name + "' is not a valid remote name",
                    "use 1 to 63 characters from a-z, 0-9, '.', '_' and '-'");
        }
        Path file = file(configDir, name);
        if (!Files.isRegularFile(file)) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "no remote '" + name + "' is configured (" + file + " is missing)",
                    "add it with 'zos-vm remote add " + name + " --endpoint URL --bucket BUCKET'");
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        String endpoint = p.getProperty("endpoint", "").strip();
        URI uri = null;
        if (!endpoint.isEmpty()) {
            uri = URI.create(endpoint);
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) || uri.getHost() == null) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, "remote '" + name + "' has endpoint '" + endpoint
                        + "', which is not an http(s) URL", "fix 'endpoint' in " + file);
            }
        }
        String creds = p.getProperty("credentials", "").strip();
        String timeout = p.getProperty("timeout", Integer.toString(TIMEOUT)).strip();
        if (!timeout.matches("[0-9]{1,6}")) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "remote '" + name + "' has timeout '" + timeout + "', not a number of seconds",
                    "fix 'timeout' in " + file);
        }
        return new RemoteConfig(name, uri, p.getProperty("bucket", "").strip(), p.getProperty("prefix", "").strip(),
                p.getProperty("region", "").strip(), creds.isEmpty() ? null : Path.of(creds), p.getProperty("profile", "").strip(),
                Integer.parseInt(timeout));
    }

    /** Where it is, for messages: s3://bucket/prefix at endpoint. */
    public String where() {
        return "s3://" + bucket + "/" + prefix + (endpoint != null ? " at " + endpoint : "");
    }
}
