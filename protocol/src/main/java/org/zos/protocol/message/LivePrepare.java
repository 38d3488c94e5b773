package org.zos.protocol.message;

/**
 * The sender of move {@code transfer} will migrate the anima live (docs/protocol.md, "Live moves"): the
 * receiver puts the images sent ahead where the anima's domain reads them, readies the directory of the
 * migration's sockets and places {@code domainXml} (the domain as the sender's hypervisor would migrate
 * it) on this host. {@code kept}, if not 0, is the tag of the memory the receiver kept of the anima when it
 * last sent it away live ({@link MemoryKept}): the sender will refer to its pages if the receiver still
 * holds it. {@code keptSum} (with {@code kept}; null: none) is the SHA-256 of the page digests the sender
 * holds of that memory, as {@code memory-kept} gave them: a receiver that fills its domain's memory with
 * the kept memory (it says so in {@link LivePrepared#fill}) checks what it filled against it. {@code key}
 * (with {@code keptSum}; null: none), from an anima's home to a host it visited before: the key of the
 * memory that host sealed when the anima came home ({@code memory-kept} with {@code key}), with which it
 * opens it to fill. {@code byContent} (absent: false): the sender can carry the guest's memory itself, by
 * content, with QEMU's stream left without it (docs/protocol.md, "Memory by content"), if the receiver can.
 * Answered by {@link LivePrepared}.
 */
public record LivePrepare(long transfer, String domainXml, long kept, String keptSum, String key, Boolean byContent) implements Message {
    /** Absent (a sender from before memory by content): false. */
    public LivePrepare {
        byContent = Boolean.TRUE.equals(byContent);
    }

    /** QEMU's stream carries the memory. */
    public LivePrepare(long transfer, String domainXml, long kept, String keptSum, String key) {
        this(transfer, domainXml, kept, keptSum, key, false);
    }

    /** Without kept memory to refer to. */
    public LivePrepare(long transfer, String domainXml) {
        this(transfer, domainXml, 0, null, null);
    }

    /** Kept memory to refer to, not to fill with. */
    public LivePrepare(long transfer, String domainXml, long kept) {
        this(transfer, domainXml, kept, null, null);
    }

    /** Kept memory the receiver holds in the clear. */
    public LivePrepare(long transfer, String domainXml, long kept, String keptSum) {
        this(transfer, domainXml, kept, keptSum, null);
    }

    /** The key, as {@code toString} shows it: never. */
    @Override
    public String toString() {
        return "LivePrepare[transfer=" + transfer + ", kept=" + kept + ", keptSum=" + keptSum + ", key=" + (key == null ? "null" : "(hidden)") + ", byContent=" + byContent + "]";
    }

    @Override
    public void check() {
        Bounds.of("live-prepare").range("transfer", transfer, 1, Long.MAX_VALUE).required("domainXml", domainXml)
                .text("domainXml", domainXml, MoveOffer.MAX_DOMAIN_XML).range("kept", kept, 0, Long.MAX_VALUE)
                .optional("keptSum", keptSum, Bounds.SHA256);
        if (key != null) {
            Bounds.of("live-prepare").key("key", key);
            if (keptSum == null) {
                throw new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.BAD_PARAMETER,
                        "live-prepare: key without keptSum", "send the key of sealed memory only with the sum of its digests");
            }
        }
        if (keptSum != null && kept == 0) {
            throw new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.BAD_PARAMETER,
                    "live-prepare: keptSum without kept memory (kept 0)", "send keptSum only with the tag it is of");
        }
    }
}
