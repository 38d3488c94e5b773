package org.zos.protocol.message;

/**
 * One image (generation) of the moving anima: its sealed manifest file as the sender's store keeps it,
 * and the ids of the delta bases its chunks need beyond the manifest's own chunks. The receiver answers
 * {@link ChunksWanted}; then the chunks it wants follow as data frames, then {@link ImageSent}.
 *
 * <p>An offer too big for one control frame (a disk of many gigabytes has a manifest of megabytes) goes
 * in {@code parts} offers numbered by {@code part} from 0, each with the next slice of the manifest file
 * and of the ids; the receiver answers every part but the last with an empty {@link ChunksWanted}. An
 * offer without these fields (as from an agent that does not cut offers) is one whole part.
 *
 * @param manifest the sealed manifest file (or this part's slice of it), base64
 * @param bases 32-byte chunk ids, concatenated (or this part's slice of them), base64 (may be empty)
 * @param part which part this is, from 0 (null: 0)
 * @param parts how many parts the offer has (null: 1)
 */
public record ImageOffer(long transfer, String manifest, String bases, Integer part, Integer parts) implements Message {
    /** Manifest bytes and base-id bytes in one offer (a part carries 256 KiB of each). */
    public static final int MAX_PART_BYTES = 1 << 20;
    /** Parts of one offer: 64 MiB of manifest in 256 KiB parts. */
    public static final int MAX_PARTS = 256;

    /** A whole offer in one part. */
    public ImageOffer(long transfer, String manifest, String bases) {
        this(transfer, manifest, bases, 0, 1);
    }

    /** Which part this is, from 0. */
    public int partIndex() {
        return part == null ? 0 : part;
    }

    /** How many parts the offer has, at least 1. */
    public int partCount() {
        return parts == null ? 1 : Math.max(1, parts);
    }

    @Override
    public void check() {
        Bounds b = Bounds.of("image-offer");
        b.range("transfer", transfer, 1, Long.MAX_VALUE).base64("manifest", manifest, 0, MAX_PART_BYTES, 1)
                .base64("bases", bases, 0, MAX_PART_BYTES, 32);
        if (part != null || parts != null) {
            b.required("part", part).required("parts", parts).range("parts", parts, 1, MAX_PARTS).range("part", part, 0, parts - 1);
        }
    }
}
