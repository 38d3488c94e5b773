package org.zos.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;
import picocli.CommandLine.Option;

/**
 * This host's zos configuration, shared with its agent: the host identity ({@code identity/}) and the
 * enrolled hosts ({@code known_hosts}) in {@code /etc/zos}.
 */
final class ConfigOptions {

    @Option(names = "--config-dir", paramLabel = "DIR", description = "zos configuration (default: $ZOS_CONFIG_DIR or /etc/zos)")
    Path configDir = Path.of(HostOptions.envOr("ZOS_CONFIG_DIR", "/etc/zos"));

    @Option(names = "--host-name", paramLabel = "HOST", description = "this host's name, when its identity is first made (default: the host name)")
    String name;

    HostIdentity identity() throws IOException {
        return HostIdentity.loadOrCreate(configDir.resolve("identity"), name != null ? name : org.zos.agent.daemon.AgentConfig.hostName());
    }

    KnownHosts knownHosts() {
        return new KnownHosts(configDir.resolve("known_hosts"));
    }
}
