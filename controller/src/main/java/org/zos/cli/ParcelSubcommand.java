package org.zos.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.zos.store.crypto.MasterKey;
import org.zos.store.parcel.Parcel;
import org.zos.store.parcel.Remote;
import org.zos.store.parcel.RemoteConfig;
import org.zos.store.parcel.S3Remote;
import picocli.CommandLine.Option;

/**
 * A {@code zos-vm parcel} subcommand: the remote it works on and, where the anima's key is needed, where
 * it comes from: this host's store if it holds the anima, else the user's passphrase.
 */
abstract class ParcelSubcommand extends StoreSubcommand {
    @Option(names = {"-r", "--remote"}, required = true, paramLabel = "REMOTE", description = "the remote, as configured in <config-dir>/remotes/REMOTE.properties")
    String remote;

    @Option(names = "--config-dir", paramLabel = "DIR", description = "zos configuration (default: $ZOS_CONFIG_DIR or /etc/zos)")
    Path configDir = Path.of(HostOptions.envOr("ZOS_CONFIG_DIR", "/etc/zos"));

    @picocli.CommandLine.Mixin
    PassphraseOption passphrase;

    Remote remote() throws IOException {
        return S3Remote.open(RemoteConfig.load(configDir, remote));
    }

    /** The anima's key: from this host's store if it holds the anima, else unwrapped with the passphrase. */
    MasterKey key(Parcel p, String anima) throws IOException {
        if (options.store().holds(anima)) {
            return options.store().key(anima, options.kek());
        }
        char[] pass = passphrase.read("Passphrase of " + anima + "'s parcel: ");
        try {
            return p.key(pass);
        } finally {
            java.util.Arrays.fill(pass, '\0');
        }
    }

}
