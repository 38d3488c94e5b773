package org.zos.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.AnimaStore;
import org.zos.store.WorkMeter;
import org.zos.store.manifest.Manifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code zos-vm store materialize IMAGE[@GEN] OUT}: writes an image back out, verified and sparse. */
@Command(name = "materialize", description = "Write generation GEN (default: the newest) of IMAGE to OUT.")
final class StoreMaterializeCommand extends StoreSubcommand {

    @Parameters(index = "0", paramLabel = "IMAGE[@GEN]", description = "the image, e.g. disk or disk@3")
    String image;

    @Parameters(index = "1", paramLabel = "OUT", description = "the file to write")
    Path target;

    @Option(names = "--force", description = "replace OUT if it exists")
    boolean force;

    @Override
    void run(PrintWriter out) throws Exception {
        String name = image;
        long gen = 0;
        int at = image.indexOf('@');
        if (at >= 0) {
            name = image.substring(0, at);
            try {
                gen = Long.parseLong(image.substring(at + 1));
            } catch (NumberFormatException e) {
                gen = -1;
            }
            if (gen <= 0) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, "'" + image + "' does not name a generation",
                        "write IMAGE@N with N a generation number from 'zos-vm store stats'");
            }
        }
        Path dir = target.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "cannot write '" + target + "': " + dir + " is not a directory",
                    "create it first, or name a file in a directory that exists");
        }
        if (dir != null && !Files.isWritable(dir)) {
            throw new ZosException(ErrorCode.DENIED, "cannot write '" + target + "': " + dir + " is not writable by you",
                    "name a file in a directory you may write, or run as its owner");
        }
        if (Files.exists(target) && !force) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "'" + target + "' exists", "choose another path, or add --force to replace it");
        }
        WorkMeter meter = new WorkMeter();
        Manifest m;
        try (AnimaStore s = options.open(); Progress p = Progress.of(meter, "materializing", err())) {
            m = s.manifest(name, gen);
            s.materialize(m, target, meter);
        }
        double secs = Math.max(meter.elapsedMillis(), 1) / 1000.0;
        out.printf(Locale.ROOT, "Wrote %s/%s to %s: %s, every chunk verified; %.1f s, %.0f MB/s.%n",
                options.name(), m.label(), target, Sizes.bytes(m.length()), secs, m.length() / secs / 1e6);
    }
}
