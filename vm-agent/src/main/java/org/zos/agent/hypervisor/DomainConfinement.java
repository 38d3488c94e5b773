package org.zos.agent.hypervisor;

import java.util.Set;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * What a domain restored from a state file may ask of this host. A state file that came from another
 * host carries that host's domain XML, and libvirt runs what it says: another emulator, a host file as a
 * second disk, a host directory, a host device, a socket to connect to, extra QEMU arguments. An anima's
 * domain has one data disk, a serial console on a pty, its agent channel, a VNC screen on loopback and
 * the devices libvirt adds by itself; anything else is refused before libvirt sees it, and the emulator
 * is always this host's own ({@link LibvirtHypervisor#restore}).
 */
public final class DomainConfinement {
    /** Device elements an anima's domain may have: its own, and those libvirt adds to every domain. */
    private static final Set<String> DEVICES = Set.of("emulator", "disk", "controller", "serial", "console", "channel",
            "graphics", "video", "memballoon", "input", "audio", "watchdog", "panic", "rng");

    private DomainConfinement() {
    }

    /**
     * @throws ZosException DENIED naming what the domain asks for
     */
    public static void require(String xml) {
        require(xml, null);
    }

    /**
     * As {@link #require(String)}, except that the domain may also have the QMP monitor of QEMU's own at
     * {@code monitor} (if not null) that {@link DomainXml#withMonitor} adds, and no other extra QEMU argument.
     *
     * @throws ZosException DENIED naming what the domain asks for
     */
    public static void require(String xml, java.nio.file.Path monitor) {
        Element domain = DomainXml.parse(xml).getDocumentElement();
        for (Element e : children(domain)) {
            if (e.getNamespaceURI() != null || e.getTagName().contains(":")) {
                if (monitor == null || !e.getTagName().equals("qemu:commandline") || !DomainXml.QEMU_NAMESPACE.equals(
                        domain.getAttribute("xmlns:qemu")) || !DomainXml.commandlineArgs(e).equals(DomainXml.monitorArgs(monitor))) {
                    refuse("an element of another namespace (" + e.getTagName() + "), such as extra QEMU arguments");
                }
                monitor = null; // once
            }
        }
        for (Element os : children(domain, "os")) {
            for (Element e : children(os)) {
                if (e.getTagName().equals("loader") || e.getTagName().equals("nvram")) {
                    refuse("firmware from a host file (<" + e.getTagName() + ">)");
                }
            }
        }
        int disks = 0;
        for (Element devices : children(domain, "devices")) {
            for (Element d : children(devices)) {
                String tag = d.getTagName();
                if (!DEVICES.contains(tag)) {
                    refuse("a <" + tag + "> device");
                }
                switch (tag) {
                    case "disk" -> {
                        disks++;
                        String dev = children(d, "target").stream().map(t -> t.getAttribute("dev")).findFirst().orElse("");
                        if (!d.getAttribute("type").equals("file") || !d.getAttribute("device").equals("disk") || !dev.equals("vda")) {
                            refuse("a disk other than its data disk (type '" + d.getAttribute("type") + "', device '"
                                    + d.getAttribute("device") + "', target '" + dev + "')");
                        }
                        for (Element b : children(d, "backingStore")) {
                            backingStore(d, b);
                        }
                        for (Element drv : children(d, "driver")) {
                            if (!Set.of("", "qcow2", "raw").contains(drv.getAttribute("type"))) {
                                refuse("a disk of format '" + drv.getAttribute("type") + "'");
                            }
                        }
                    }
                    case "serial", "console" -> {
                        if (!d.getAttribute("type").equals("pty")) {
                            refuse("a " + tag + " of type '" + d.getAttribute("type") + "' (only a pty)");
                        }
                    }
                    case "channel" -> {
                        for (Element src : children(d, "source")) {
                            if (src.getAttribute("mode").equals("connect")
                                    || (!src.getAttribute("path").isEmpty() && !src.getAttribute("path").startsWith("/var/lib/libvirt/qemu/"))) {
                                refuse("a channel to the socket " + src.getAttribute("path"));
                            }
                        }
                        if (!d.getAttribute("type").equals("unix")) {
                            refuse("a channel of type '" + d.getAttribute("type") + "'");
                        }
                    }
                    case "graphics" -> {
                        String listen = d.getAttribute("listen");
                        if (!d.getAttribute("type").equals("vnc") || !(listen.isEmpty() || listen.equals("127.0.0.1"))) {
                            refuse("a screen of type '" + d.getAttribute("type") + "' on '" + listen + "' (only VNC on 127.0.0.1)");
                        }
                        for (Element l : children(d, "listen")) {
                            if (!l.getAttribute("type").equals("address") || !l.getAttribute("address").equals("127.0.0.1")) {
                                refuse("a screen listening on '" + l.getAttribute("type") + " " + l.getAttribute("address") + "'");
                            }
                        }
                    }
                    default -> { }
                }
            }
        }
        if (disks != 1) {
            refuse(disks + " disks (an anima has exactly one)");
        }
    }

    /**
     * The one backing store an anima's disk may have: during a live move its writes go to an overlay,
     * FILE.top, over the disk itself, FILE (qcow2, and nothing under it). Anything else is refused.
     */
    private static void backingStore(Element disk, Element b) {
        if (children(b).isEmpty()) {
            return; // none
        }
        String top = children(disk, "source").stream().map(e -> e.getAttribute("file")).findFirst().orElse("");
        String under = children(b, "source").stream().map(e -> e.getAttribute("file")).findFirst().orElse("");
        boolean qcow2 = children(b, "format").stream().allMatch(f -> f.getAttribute("type").equals("qcow2"));
        boolean last = children(b, "backingStore").stream().allMatch(n -> children(n).isEmpty());
        if (!b.getAttribute("type").equals("file") || under.isEmpty() || !top.equals(under + ".top") || !qcow2 || !last) {
            refuse("a backing store for its disk other than the disk under its live move's overlay ('" + under + "' under '" + top + "')");
        }
    }

    private static void refuse(String what) {
        throw new ZosException(ErrorCode.DENIED, "the anima's saved domain asks this host for " + what
                + ", which zos never gives a guest", "the state file did not come from a zos host as it should; it is not restored");
    }

    private static java.util.List<Element> children(Element e) {
        java.util.List<Element> out = new java.util.ArrayList<>();
        NodeList nodes = e.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            Node n = nodes.item(i);
            if (n instanceof Element c) {
                out.add(c);
            }
        }
        return out;
    }

    private static java.util.List<Element> children(Element e, String tag) {
        return children(e).stream().filter(c -> c.getTagName().equals(tag)).toList();
    }
}
