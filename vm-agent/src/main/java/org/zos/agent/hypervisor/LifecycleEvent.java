package org.zos.agent.hypervisor;

/**
 * A change in a domain's life as libvirt reports it, e.g. {@code STARTED/RESTORED}, {@code SUSPENDED/PAUSED},
 * {@code STOPPED/SAVED}.
 *
 * @param domain the domain's (anima's) name
 * @param type libvirt's event type name without its prefix (STARTED, STOPPED, ...)
 * @param detail libvirt's detail name without its prefix (BOOTED, RESTORED, SAVED, ...)
 */
public record LifecycleEvent(String domain, String type, String detail) {

    static LifecycleEvent of(String domain, org.libvirt.event.DomainEvent event) {
        Object detail = event.getDetail();
        return new LifecycleEvent(domain, strip(event.getType().name()), detail == null ? "" : strip(detail.toString()));
    }

    private static String strip(String libvirtName) {
        return libvirtName.toUpperCase(java.util.Locale.ROOT);
    }
}
