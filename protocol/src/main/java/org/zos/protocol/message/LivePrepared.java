package org.zos.protocol.message;

/**
 * The receiver of move {@code transfer} is ready for the live migration: {@code domainXml} is the domain as
 * it will run there (its paths, its metadata), which the sender gives its hypervisor as the destination's.
 */
public record LivePrepared(long transfer, String domainXml) implements Message {

    @Override
    public void check() {
        Bounds.of("live-prepared").range("transfer", transfer, 1, Long.MAX_VALUE).required("domainXml", domainXml)
                .text("domainXml", domainXml, MoveOffer.MAX_DOMAIN_XML);
    }
}
