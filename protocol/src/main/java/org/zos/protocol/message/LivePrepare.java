package org.zos.protocol.message;

/**
 * The sender of move {@code transfer} will migrate the anima live (docs/protocol.md, "Live moves"): the
 * receiver puts the images sent ahead where the anima's domain reads them, readies the directory of the
 * migration's sockets and places {@code domainXml} (the domain as the sender's hypervisor would migrate
 * it) on this host. Answered by {@link LivePrepared}.
 */
public record LivePrepare(long transfer, String domainXml) implements Message {

    @Override
    public void check() {
        Bounds.of("live-prepare").range("transfer", transfer, 1, Long.MAX_VALUE).required("domainXml", domainXml)
                .text("domainXml", domainXml, MoveOffer.MAX_DOMAIN_XML);
    }
}
