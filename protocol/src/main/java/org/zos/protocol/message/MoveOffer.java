package org.zos.protocol.message;

import java.util.regex.Pattern;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * Opens the move of an anima to the receiving host: the first message of a domination ({@code purpose}
 * "visit", from the anima's home) or of a return ({@code purpose} "home", from the host it visits). It
 * carries what the receiver needs to check that it can run the anima (its libvirt domain XML, sizes) and
 * to keep its images (the anima's store key, and for a visit the key-encryption key the receiver wraps it
 * under, which the receiver keeps in memory only). The receiver answers {@link MoveReady} or a failure
 * (DENIED, INCOMPATIBLE_HOST, NO_SPACE, ANIMA_EXISTS, BUSY). A <em>stage</em> ({@code purpose} "stage", from the
 * anima's home while it runs there) takes only images: the receiver keeps their sealed chunks, without
 * the key, for the visit that may follow, and nothing of the anima runs there.
 *
 * @param key the anima's store master key, base64
 * @param kek a key-encryption key for the visited host's copy of the key file, base64 (visit and stage)
 * @param bytes how much the receiver will write: images it materializes and chunks it keeps
 * @param diskBase for a live return only, or null: the disk the visitor's overlay lies over, as
 *     "generation:digest" of the generation of the "disk" image it is (docs/protocol.md, "A return over the
 *     disk home kept"); a receiver that holds that very disk says so in {@link MoveReady#diskBase}, and no
 *     disk is sent ahead
 */
public record MoveOffer(String anima, String home, String purpose, String uuid, int memoryMiB, int vcpus,
        long diskSizeMiB, String guestKey, String kernelPackage, String accelerator, String domainXml, long bytes,
        String key, String kek, String diskBase) implements Message {

    /** An offer that claims no disk base. */
    public MoveOffer(String anima, String home, String purpose, String uuid, int memoryMiB, int vcpus, long diskSizeMiB,
            String guestKey, String kernelPackage, String accelerator, String domainXml, long bytes, String key, String kek) {
        this(anima, home, purpose, uuid, memoryMiB, vcpus, diskSizeMiB, guestKey, kernelPackage, accelerator, domainXml, bytes,
                key, kek, null);
    }

    public static final String VISIT = "visit";
    public static final String HOME = "home";
    public static final String STAGE = "stage";
    static final java.util.Set<String> PURPOSES = java.util.Set.of(VISIT, HOME, STAGE);
    static final java.util.Set<String> ACCELERATORS = java.util.Set.of("kvm", "tcg");
    /** 16 TiB of memory, 1,024 vCPUs, a 1 PiB disk: far above any host, far below an overflow. */
    public static final long MAX_MEMORY_MIB = 16L << 20;
    public static final long MAX_VCPUS = 1024;
    public static final long MAX_DISK_MIB = 1L << 30;
    /** {@code bytes} at most 4 PiB: with any margin added it stays far from overflowing a long. */
    public static final long MAX_BYTES = 1L << 52;
    public static final int MAX_DOMAIN_XML = 256 << 10;
    /** A disk base: a generation, ':', the SHA-256 of its manifest's chunks in hex. */
    public static final Pattern DISK_BASE = Pattern.compile("[1-9][0-9]{0,18}:[0-9a-f]{64}");

    @Override
    public void check() {
        Bounds b = Bounds.of("move-offer");
        b.matches("anima", anima, Bounds.ANIMA).optional("home", home, Bounds.HOST).oneOf("purpose", purpose, PURPOSES)
                .uuid("uuid", uuid).range("memoryMiB", memoryMiB, 16, MAX_MEMORY_MIB).range("vcpus", vcpus, 1, MAX_VCPUS)
                .range("diskSizeMiB", diskSizeMiB, 1, MAX_DISK_MIB).optional("guestKey", guestKey, Bounds.TOKEN)
                .optional("kernelPackage", kernelPackage, Bounds.TOKEN).oneOf("accelerator", accelerator, ACCELERATORS)
                .required("domainXml", domainXml).text("domainXml", domainXml, MAX_DOMAIN_XML)
                .range("bytes", bytes, 0, MAX_BYTES).key("key", key).optional("diskBase", diskBase, DISK_BASE);
        if (diskBase != null && !HOME.equals(purpose)) {
            throw new ZosException(ErrorCode.BAD_PARAMETER,
                    "move-offer: diskBase is for a return home only, not a " + purpose, "");
        }
        if (VISIT.equals(purpose) || STAGE.equals(purpose)) {
            b.key("kek", kek).required("home", home);
        } else if (kek != null) {
            b.key("kek", kek);
        }
    }
}
