package org.zos.agent.hypervisor;

/**
 * How QEMU runs the guest's CPU: hardware virtualization through /dev/kvm, or TCG software emulation.
 * The value is libvirt's domain type.
 */
public enum Accelerator {
    KVM("kvm"),
    TCG("qemu");

    private final String domainType;

    Accelerator(String domainType) {
        this.domainType = domainType;
    }

    /** libvirt's {@code <domain type='...'>} for this accelerator. */
    public String domainType() {
        return domainType;
    }

    /** The accelerator of a libvirt domain type. */
    public static Accelerator ofDomainType(String type) {
        return "kvm".equals(type) ? KVM : TCG;
    }
}
