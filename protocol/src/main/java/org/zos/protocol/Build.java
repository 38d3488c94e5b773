package org.zos.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** What this zos is: its version and the commit it was built from (filled in by the build). */
public final class Build {
    private static final Properties P = load();

    private Build() {
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = Build.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // an unreadable jar: the build is unknown
        }
        return p;
    }

    private static String get(String key) {
        String v = P.getProperty(key, "");
        return v.isEmpty() || v.startsWith("${") ? null : v;
    }

    /** The release, e.g. {@code 0.1.0} (a {@code -SNAPSHOT} build says so). */
    public static String version() {
        String v = get("version");
        return v == null ? "0.0.0" : v;
    }

    /** The commit, abbreviated, with {@code +changes} when its work tree had changes; null outside a clone. */
    public static String commit() {
        String c = get("commit");
        return c == null ? null : c + ("true".equals(get("dirty")) ? "+changes" : "");
    }

    /** When that commit was made (UTC, ISO 8601); null outside a clone. */
    public static String time() {
        return get("time");
    }

    /** One line: {@code 0.1.0-SNAPSHOT (a7183dd, 2026-12-02T06:44:31Z)}. */
    public static String describe() {
        String c = commit();
        return version() + (c == null ? " (build unknown)" : " (" + c + ", " + time() + ")");
    }
}
