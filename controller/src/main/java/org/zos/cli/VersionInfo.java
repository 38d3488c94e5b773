package org.zos.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.zos.agent.daemon.ZosAgent;
import org.zos.protocol.Build;
import org.zos.protocol.ZosException;
import org.zos.protocol.net.Peer;
import picocli.CommandLine;

/**
 * {@code zos-vm --version}: this command's build and, asked on its socket (for at most a second), the
 * build of this host's agent, which may differ after an upgrade that has not restarted it.
 */
final class VersionInfo implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"zos-vm " + Build.describe(), "zos-agent on this host: " + agent()};
    }

    private static String agent() {
        Path socket = HostOptions.defaultSocket();
        if (!Files.exists(socket)) {
            return "not running (no " + socket + ")";
        }
        if (!Files.isWritable(socket)) {
            return "not asked (permission denied on " + socket + ")";
        }
        try (Peer p = Peer.connectSocket(socket, System.getProperty("user.name"), ZosAgent.SOFTWARE, Duration.ofSeconds(1))) {
            return p.hello().software();
        } catch (ZosException e) {
            return "not answering (" + e.getMessage() + ")";
        }
    }
}
