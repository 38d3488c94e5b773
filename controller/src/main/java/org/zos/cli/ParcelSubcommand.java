package org.zos.cli;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
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

    @Option(names = "--passphrase-file", paramLabel = "FILE", description = "read the parcel's passphrase from FILE (default: $ZOS_PASSPHRASE, else asked)")
    Path passphraseFile;

    Remote remote() throws IOException {
        return S3Remote.open(RemoteConfig.load(configDir, remote));
    }

    /** The anima's key: from this host's store if it holds the anima, else unwrapped with the passphrase. */
    MasterKey key(Parcel p, String anima) throws IOException {
        if (options.store().holds(anima)) {
            return options.store().key(anima, options.kek());
        }
        char[] pass = passphrase(passphraseFile, "Passphrase of " + anima + "'s parcel: ");
        try {
            return p.key(pass);
        } finally {
            java.util.Arrays.fill(pass, '\0');
        }
    }

    /** {@code options} and the passphrase (see {@link #passphrase}), for an action of the agent that opens a parcel. */
    static java.util.Map<String, String> withPassphrase(java.util.Map<String, String> options, Path file, String prompt) throws IOException {
        java.util.Map<String, String> all = new java.util.HashMap<>(options);
        char[] pass = passphrase(file, prompt);
        all.put(org.zos.protocol.message.AnimaAction.PASSPHRASE, new String(pass));
        java.util.Arrays.fill(pass, '\0');
        return all;
    }

    /** The passphrase from a file (its first line), $ZOS_PASSPHRASE, or the terminal; never from the command line. */
    static char[] passphrase(Path file, String prompt) throws IOException {
        if (file != null) {
            String first = Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("");
            return first.toCharArray();
        }
        String env = System.getenv("ZOS_PASSPHRASE");
        if (env != null) {
            return env.toCharArray();
        }
        Console c = System.console();
        if (c == null) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "the parcel's passphrase is needed and there is no terminal to ask it on",
                    "give --passphrase-file FILE or set ZOS_PASSPHRASE");
        }
        char[] p = c.readPassword("%s", prompt);
        if (p == null) {
            throw new ZosException(ErrorCode.CANCELLED, "no passphrase given", "");
        }
        return p;
    }
}
