package org.zos.protocol.message;

/**
 * The receiver of move {@code transfer} is ready for the live migration: {@code domainXml} is the domain as
 * it will run there (its paths, its metadata), which the sender gives its hypervisor as the destination's.
 * {@code kept} is the tag {@link LivePrepare} named if the receiver holds that kept memory (the migration
 * may then refer to its pages), else 0. {@code fill} (only with {@code kept}, and only if {@link LivePrepare}
 * gave its {@code keptSum}): the receiver fills its domain's memory with the kept memory, page for page,
 * before its QEMU reads the stream, so the sender leaves out every page that is there already (absent: false).
 * {@code liveXml} (null: none), only if {@link LivePrepare} offered {@code byContent}: the receiver takes the
 * memory by content, and this is the domain as its QEMU is to start for the migration ({@code domainXml}
 * with a QMP monitor of the receiving agent's own), which the sender gives its hypervisor as the
 * destination's live definition, {@code domainXml} as its persistent one.
 */
public record LivePrepared(long transfer, String domainXml, long kept, Boolean fill, String liveXml) implements Message {
    /** Absent (a receiver from before the fill): false. */
    public LivePrepared {
        fill = Boolean.TRUE.equals(fill);
    }

    /** QEMU's stream carries the memory. */
    public LivePrepared(long transfer, String domainXml, long kept, Boolean fill) {
        this(transfer, domainXml, kept, fill, null);
    }

    /** Without kept memory. */
    public LivePrepared(long transfer, String domainXml) {
        this(transfer, domainXml, 0, false);
    }

    /** Kept memory to refer to, not filled. */
    public LivePrepared(long transfer, String domainXml, long kept) {
        this(transfer, domainXml, kept, false);
    }

    @Override
    public void check() {
        Bounds.of("live-prepared").range("transfer", transfer, 1, Long.MAX_VALUE).required("domainXml", domainXml)
                .text("domainXml", domainXml, MoveOffer.MAX_DOMAIN_XML).range("kept", kept, 0, Long.MAX_VALUE);
        if (liveXml != null) {
            Bounds.of("live-prepared").text("liveXml", liveXml, MoveOffer.MAX_DOMAIN_XML);
        }
        if (fill && kept == 0) {
            throw new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.BAD_PARAMETER,
                    "live-prepared: fill without kept memory (kept 0)", "fill only with the kept memory named");
        }
    }
}
