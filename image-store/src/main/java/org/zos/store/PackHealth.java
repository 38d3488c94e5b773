package org.zos.store;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.zos.store.pack.PackFiles;
import org.zos.store.pack.PackIndexFile;
import org.zos.store.pack.PackScan;

/**
 * What is wrong with an anima's packs and indexes, and what gc will do about each: one diagnosis that
 * {@code check} reports and {@code gc} carries out, so the two never disagree.
 * <ul>
 * <li>{@link Repair#REBUILD_INDEX}: a pack without a sound index, whose headers all verify: gc rebuilds
 *     the index from the pack;</li>
 * <li>{@link Repair#REWRITE}: a pack with a sound index whose own headers are damaged or disagree with it:
 *     gc copies its chunks, found through the index, into a new pack;</li>
 * <li>{@link Repair#NONE}: a pack without a sound index whose headers are damaged, or a missing pack: its
 *     chunks past the damage cannot be found; gc touches nothing of it, and refuses to collect while any
 *     image needs a chunk the store lacks.</li>
 * </ul>
 */
final class PackHealth {
    enum Repair { REBUILD_INDEX, REWRITE, NONE }

    /** One pack's trouble: {@code text} for check (ends with what gc does), {@code rebuilt} for REBUILD_INDEX. */
    record Finding(String pack, Repair repair, String text, PackIndexFile rebuilt) {
    }

    private PackHealth() {
    }

    static List<Finding> of(PackFiles files) throws IOException {
        List<Finding> out = new ArrayList<>();
        Set<String> packs = new TreeSet<>(files.packIds());
        for (String pack : new TreeSet<>(files.indexedIds())) {
            PackIndexFile idx = readIndex(files, pack);
            boolean present = Files.exists(files.pack(pack));
            if (idx != null && !present) {
                out.add(new Finding(pack, Repair.NONE, "pack " + pack + " is missing; its " + idx.entries().size()
                        + " chunks are lost; 'zos-vm store gc' cannot bring them back", null));
            } else if (idx != null) {
                String wrong = PackScan.of(files.pack(pack), pack).disagreement(idx);
                if (wrong != null) {
                    out.add(new Finding(pack, Repair.REWRITE, "pack " + pack + " does not verify: " + wrong
                            + "; its index still finds its chunks; 'zos-vm store gc' copies them into a new pack", null));
                }
                packs.remove(pack);
            }
        }
        for (String pack : packs) {
            PackScan scan = PackScan.of(files.pack(pack), pack);
            String what = Files.exists(files.indexOf(pack)) ? "the index of pack " + pack + " is damaged"
                    : "pack " + pack + " has no index (a writer stopped before finishing it)";
            if (scan.clean()) {
                out.add(new Finding(pack, Repair.REBUILD_INDEX, what + "; 'zos-vm store gc' rebuilds it from the pack",
                        scan.entries()));
            } else {
                out.add(new Finding(pack, Repair.NONE, what + ", and the pack itself does not verify: " + scan.damage()
                        + " (" + scan.entries().entries().size() + " chunks before it are intact); 'zos-vm store gc' "
                        + "cannot rebuild it and leaves it as it is", null));
            }
        }
        return out;
    }

    static PackIndexFile readIndex(PackFiles files, String pack) throws IOException {
        try {
            return PackIndexFile.decode(pack, Files.readAllBytes(files.indexOf(pack)));
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }
}
