package org.zos.agent.hypervisor;

/** What libvirt says of a domain, reduced to what zos acts on. */
public enum DomainState {
    /** libvirt has no domain of that name. */
    UNDEFINED,
    /** Defined but not running (a suspended anima's domain is in this state too). */
    SHUT_OFF,
    RUNNING,
    PAUSED,
    SHUTTING_DOWN,
    CRASHED;

    static DomainState of(org.libvirt.DomainInfo.DomainState state) {
        return switch (state) {
            case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED -> RUNNING;
            case VIR_DOMAIN_PAUSED -> PAUSED;
            case VIR_DOMAIN_SHUTDOWN -> SHUTTING_DOWN;
            case VIR_DOMAIN_CRASHED -> CRASHED;
            default -> SHUT_OFF;
        };
    }

    /** True while QEMU runs the domain (running or paused). */
    public boolean isActive() {
        return this == RUNNING || this == PAUSED || this == SHUTTING_DOWN;
    }
}
