package org.zos.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.BiConsumer;
import org.zos.agent.hypervisor.SaveImage;

/**
 * The guest pages of a libvirt save image (read by {@link SaveImage}) with their contents, so a benchmark
 * can tell which pages really changed between two saves of one guest.
 */
public final class SavedRam {
    public static final int PAGE = SaveImage.PAGE;
    private static final byte[] ZEROS = new byte[PAGE];

    private SavedRam() {
    }

    /**
     * Calls {@code page} with "block:offset" and the page's 4096 bytes (all zero for a zero page), in
     * stream order.
     *
     * @return false if the file is not a libvirt save image with a RAM section {@link SaveImage} reads
     */
    public static boolean pages(Path file, BiConsumer<String, byte[]> page) throws IOException {
        return SaveImage.read(file, (block, offset, at, data) ->
                page.accept(block + ":" + offset, data == null ? ZEROS : data.clone()));
    }

    static boolean isZero(byte[] page) {
        return Arrays.equals(page, ZEROS);
    }
}
