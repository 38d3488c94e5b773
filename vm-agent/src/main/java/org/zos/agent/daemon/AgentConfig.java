package org.zos.agent.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.net.ZosServer;
import org.zos.protocol.zap.Zap;

/**
 * Where an agent keeps things and where it listens. Files under the config directory (/etc/zos):
 * {@code agent.properties} (name, bind, port, zap.port, console.bind, console.port), {@code identity/}
 * (host.key, host.crt; console.key, console.crt),
 * {@code known_hosts}, {@code zpasswd}. State under the state directory (/var/lib/zos): animas and
 * {@code store/}.
 */
public record AgentConfig(Path configDir, Path stateDir, String name, String bind, int port, int zapPort,
        String consoleBind, int consolePort) {
    /** The web console's port: HTTPS, on loopback unless console.bind says otherwise. */
    public static final int CONSOLE_PORT = 7472;

    /** Reads agent.properties; command-line values (non-null, non-zero) win over the file. */
    public static AgentConfig load(Path configDir, Path stateDir, String name, String bind, int port, int zapPort,
            String consoleBind, int consolePort) throws IOException {
        Properties p = new Properties();
        Path file = configDir.resolve("agent.properties");
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            }
        }
        String n = name != null ? name : p.getProperty("name", hostName());
        String b = bind != null ? bind : p.getProperty("bind", "0.0.0.0");
        int tcp = port != 0 ? port : parsePort(p.getProperty("port"), ZosServer.DEFAULT_PORT, file);
        int udp = zapPort != 0 ? zapPort : parsePort(p.getProperty("zap.port"), Zap.PORT, file);
        String cb = consoleBind != null ? consoleBind : p.getProperty("console.bind", "127.0.0.1");
        int cp = consolePort != 0 ? consolePort : parsePort(p.getProperty("console.port"), CONSOLE_PORT, file);
        return new AgentConfig(configDir, stateDir, n, b, tcp, udp, cb, cp);
    }

    public Path identityDir() {
        return configDir.resolve("identity");
    }

    public Path knownHosts() {
        return configDir.resolve("known_hosts");
    }

    public Path accessList() {
        return configDir.resolve("zpasswd");
    }

    public Path store() {
        return stateDir.resolve("store");
    }

    /** This machine's host name (/etc/hostname), the default name of its zos identity. */
    public static String hostName() {
        try {
            String h = Files.readString(Path.of("/etc/hostname")).strip();
            return h.isEmpty() ? java.net.InetAddress.getLocalHost().getHostName() : h;
        } catch (IOException e) {
            return "localhost";
        }
    }

    private static int parsePort(String v, int fallback, Path file) {
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            int p = Integer.parseInt(v.strip());
            if (p > 0 && p < 65536) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ZosException(ErrorCode.BAD_PARAMETER, file + ": '" + v + "' is not a port", "give a number from 1 to 65535");
    }
}
