package org.zos.protocol.message;

/**
 * The receiver of move {@code transfer} is ready for the live migration: {@code domainXml} is the domain as
 * it will run there (its paths, its metadata), which the sender gives its hypervisor as the destination's.
 * {@code kept} is the tag {@link LivePrepare} named if the receiver holds that kept memory (the migration
 * may then refer to its pages), else 0.
 */
public record LivePrepared(long transfer, String domainXml, long kept) implements Message {
    /** Without kept memory. */
    public LivePrepared(long transfer, String domainXml) {
        this(transfer, domainXml, 0);
    }

    @Override
    public void check() {
        Bounds.of("live-prepared").range("transfer", transfer, 1, Long.MAX_VALUE).required("domainXml", domainXml)
                .text("domainXml", domainXml, MoveOffer.MAX_DOMAIN_XML).range("kept", kept, 0, Long.MAX_VALUE);
    }
}
