package org.zos.cli;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.AnimaAction;
import picocli.CommandLine.Option;

/** {@code --passphrase-file}, for the commands that open a parcel, and where the passphrase comes from without it. */
final class PassphraseOption {
    @Option(names = "--passphrase-file", paramLabel = "FILE",
            description = "the parcel's passphrase, from FILE's first line (default: $ZOS_PASSPHRASE, else asked)")
    Path file;

    /** The passphrase from a file (its first line), $ZOS_PASSPHRASE, or the terminal; never from the command line. */
    char[] read(String prompt) throws IOException {
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

    /** {@code options} and the passphrase (see {@link #read}), for an action of the agent that opens a parcel. */
    Map<String, String> with(Map<String, String> options, String prompt) throws IOException {
        Map<String, String> all = new HashMap<>(options);
        char[] pass = read(prompt);
        all.put(AnimaAction.PASSPHRASE, new String(pass));
        java.util.Arrays.fill(pass, '\0');
        return all;
    }
}
