package org.zos.agent.hypervisor;

import java.util.Locale;

/**
 * A change in a domain's life as libvirt reports it, e.g. {@code STARTED/RESTORED}, {@code SUSPENDED/PAUSED},
 * {@code STOPPED/SAVED}.
 *
 * @param domain the domain's (anima's) name
 * @param type libvirt-java's event type name (STARTED, STOPPED, ...)
 * @param detail libvirt-java's detail name, upper case (BOOTED, RESTORED, SAVED, ...), or empty
 */
public record LifecycleEvent(String domain, String type, String detail) {

    static LifecycleEvent of(String domain, org.libvirt.event.DomainEvent event) {
        Object detail = event.getDetail();
        return new LifecycleEvent(domain, event.getType().name(),
                detail == null ? "" : detail.toString().toUpperCase(Locale.ROOT));
    }
}
