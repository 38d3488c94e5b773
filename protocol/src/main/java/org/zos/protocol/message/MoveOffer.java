package org.zos.protocol.message;

/**
 * Opens the move of an anima to the receiving host: the first message of a domination ({@code purpose}
 * "visit", from the anima's home) or of a return ({@code purpose} "home", from the host it visits). It
 * carries what the receiver needs to check that it can run the anima (its libvirt domain XML, sizes) and
 * to keep its images (the anima's store key, and for a visit the key-encryption key the receiver wraps it
 * under, which the receiver keeps in memory only). The receiver answers {@link MoveReady} or a failure
 * (DENIED, INCOMPATIBLE_HOST, NO_SPACE, ANIMA_EXISTS, BUSY).
 *
 * @param key the anima's store master key, base64
 * @param kek a key-encryption key for the visited host's copy of the key file, base64 (visit only)
 * @param bytes how much the receiver will write: images it materializes and chunks it keeps
 */
public record MoveOffer(String anima, String home, String purpose, String uuid, int memoryMiB, int vcpus,
        long diskSizeMiB, String guestKey, String kernelPackage, String accelerator, String domainXml, long bytes,
        String key, String kek) implements Message {

    public static final String VISIT = "visit";
    public static final String HOME = "home";
}
