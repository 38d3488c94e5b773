package org.zos.cli;

import java.io.PrintWriter;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.AnimaStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code zos-vm store erase ANIMA --yes}: crypto-erase, the key first, then every chunk. */
@Command(name = "erase", description = "Crypto-erase an anima from the store: destroy its key, then its chunks and manifests.")
final class StoreEraseCommand extends StoreSubcommand {

    @Parameters(paramLabel = "ANIMA", description = "the anima to erase (no default: erasing is for good)")
    String anima;

    @Option(names = "--yes", description = "confirm: the anima's images in this store are lost for good")
    boolean yes;

    @Override
    void run(PrintWriter out) throws Exception {
        if (!yes) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "erasing " + anima + " destroys its key and every image "
                    + "of it in this store for good", "add --yes to confirm");
        }
        if (options.store().removeRetired(anima)) {
            out.printf("Removed the retired chunks of %s (its key was destroyed when it left).%n", anima);
            return;
        }
        int files;
        try (AnimaStore s = options.open(anima)) {
            files = s.erase();
        }
        out.printf("Erased %s: key destroyed, %d files removed.%n", anima, files);
    }
}
