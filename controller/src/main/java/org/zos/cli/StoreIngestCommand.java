package org.zos.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.AnimaStore;
import org.zos.store.WorkMeter;
import org.zos.store.chunking.ChunkerParams;
import org.zos.store.manifest.Manifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code zos-vm store ingest FILE}: stores a file as the next generation of an image. */
@Command(name = "ingest", description = "Store FILE as the next generation of an image of the anima.")
final class StoreIngestCommand extends StoreSubcommand {

    @Parameters(paramLabel = "FILE", description = "a disk image, a saved memory state, any file; - for standard input")
    Path file;

    @Option(names = "--image", paramLabel = "NAME", description = "the image's name (default: the file's name)")
    String image;

    @Override
    void run(PrintWriter out) throws Exception {
        boolean stdin = file.toString().equals("-");
        if (stdin && image == null) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "standard input has no name", "give the image a name with --image");
        }
        if (!stdin && !Files.isRegularFile(file)) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "'" + file + "' is not a file", "give the path of a file to store");
        }
        String name = image != null ? image : file.getFileName().toString().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
        Manifest.checkImageName(name);
        WorkMeter meter = new WorkMeter();
        AnimaStore.Ingested in;
        try (AnimaStore s = options.openOrCreate(); Progress p = Progress.of(meter, "ingesting", err())) {
            in = stdin ? s.ingest(name, System.in, ChunkerParams.DEFAULT, meter) : s.ingest(name, file, ChunkerParams.DEFAULT, meter);
        }
        Manifest m = in.manifest();
        double secs = Math.max(meter.elapsedMillis(), 1) / 1000.0;
        out.printf(Locale.ROOT,
                "Stored %s as %s/%s: %s in %d chunks (%s zero); %s new, stored as %s; %.1f s, %.0f MB/s.%n",
                stdin ? "standard input" : file, options.name(), m.label(), Sizes.bytes(m.length()), m.chunkIds().size(), Sizes.bytes(m.zeroBytes()),
                Sizes.bytes(in.newBytes()), Sizes.bytes(in.sealedBytes()), secs, m.length() / secs / 1e6);
    }
}
