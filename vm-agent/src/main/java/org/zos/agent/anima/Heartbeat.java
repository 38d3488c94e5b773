package org.zos.agent.anima;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The default guest's heartbeat, {@code zos-heartbeat boot=ID n=N} once a second on its serial console.
 * The boot id changes when the guest boots; the counter is kept on the data disk. So after a restore the
 * same boot id with a larger counter proves the guest went on from where it was.
 *
 * @param boot random id of the guest's current boot
 * @param count the counter, persistent on the data disk
 */
public record Heartbeat(String boot, long count) {
    private static final Pattern LINE = Pattern.compile("zos-heartbeat boot=([0-9a-f]+) n=(\\d+)");
    private static final int TAIL = 8192;

    /** The last heartbeat in a console log, if there is one. */
    public static Optional<Heartbeat> last(Path consoleLog) {
        if (!Files.isReadable(consoleLog)) {
            return Optional.empty();
        }
        try (RandomAccessFile f = new RandomAccessFile(consoleLog.toFile(), "r")) {
            long start = Math.max(0, f.length() - TAIL);
            byte[] buf = new byte[(int) (f.length() - start)];
            f.seek(start);
            f.readFully(buf);
            Matcher m = LINE.matcher(new String(buf, StandardCharsets.ISO_8859_1));
            Heartbeat last = null;
            while (m.find()) {
                last = new Heartbeat(m.group(1), Long.parseLong(m.group(2)));
            }
            return Optional.ofNullable(last);
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
