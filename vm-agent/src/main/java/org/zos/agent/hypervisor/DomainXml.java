package org.zos.agent.hypervisor;

import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.zos.agent.hypervisor.DomainSpec.DiskBoot;
import org.zos.agent.hypervisor.DomainSpec.KernelBoot;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * libvirt domain XML for an anima: built from a {@link DomainSpec}, read back from a live or saved
 * domain, and rewritten when another host restores it with its files elsewhere.
 *
 * <p>The devices are the ones every anima has, whatever host runs it: the data disk on virtio, a serial
 * console on a pty logged to a file, the virtio-serial channel {@value DomainSpec#AGENT_CHANNEL} (libvirt
 * picks the socket path), and a VNC display that listens on localhost only.
 */
public final class DomainXml {

    /** The XML namespace of zos's element in a domain's {@code <metadata>}, by which virsh and others tell an anima. */
    public static final String NAMESPACE = "urn:zos:anima:1";

    private DomainXml() {
    }

    /** The domain XML of a spec. */
    public static String of(DomainSpec spec) {
        StringBuilder x = new StringBuilder(2048);
        x.append("<domain type='").append(spec.accelerator().domainType()).append("'>\n");
        x.append("  <name>").append(esc(spec.name())).append("</name>\n");
        x.append("  <uuid>").append(spec.uuid()).append("</uuid>\n");
        x.append("  <metadata>\n    ").append(metadata(spec.name(), null)).append("\n  </metadata>\n");
        x.append("  <memory unit='MiB'>").append(spec.memoryMiB()).append("</memory>\n");
        // Shared (memfd) memory: a live move reads the paused source's memory and writes the receiver's to
        // check what the migration gave it (PageLedger, docs/protocol.md "Live moves").
        x.append("  <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>\n");
        x.append("  <vcpu>").append(spec.vcpus()).append("</vcpu>\n");
        x.append("  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n");
        if (spec.boot() instanceof KernelBoot k) {
            x.append("    <kernel>").append(esc(k.kernel())).append("</kernel>\n");
            x.append("    <initrd>").append(esc(k.initrd())).append("</initrd>\n");
            x.append("    <cmdline>").append(esc(k.cmdline())).append("</cmdline>\n");
        } else {
            x.append("    <boot dev='hd'/>\n");
        }
        x.append("  </os>\n");
        x.append("  <features><acpi/></features>\n");
        if (spec.cpuModel() != null) {
            x.append("  <cpu mode='custom' match='exact'><model fallback='forbid'>")
                    .append(esc(spec.cpuModel())).append("</model></cpu>\n");
        }
        x.append("  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n");
        x.append("  <on_crash>destroy</on_crash>\n");
        x.append("  <devices>\n");
        char dev = 'a';
        if (spec.boot() instanceof DiskBoot d) {
            disk(x, d.bootDisk(), dev++);
        }
        disk(x, spec.dataDisk(), dev);
        x.append("    <serial type='pty'>\n      <log file='").append(esc(spec.consoleLog()))
                .append("' append='on'/>\n      <target port='0'/>\n    </serial>\n");
        x.append("    <console type='pty'><target type='serial' port='0'/></console>\n");
        x.append("    <channel type='unix'><target type='virtio' name='").append(DomainSpec.AGENT_CHANNEL)
                .append("'/></channel>\n");
        x.append("    <channel type='unix'><target type='virtio' name='").append(DomainSpec.QEMU_GA_CHANNEL)
                .append("'/></channel>\n");
        x.append("    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'>\n")
                .append("      <listen type='address' address='127.0.0.1'/>\n    </graphics>\n");
        x.append("    <video><model type='vga'/></video>\n");
        // Free page reporting: the guest tells QEMU which pages it freed, QEMU drops them, and a save or a
        // move writes them as zero pages (a guest without the driver, like the mini guest, reports nothing).
        x.append("    <memballoon model='virtio' freePageReporting='on'/>\n");
        x.append("  </devices>\n</domain>\n");
        return x.toString();
    }

    private static void disk(StringBuilder x, Path file, char dev) {
        x.append("    <disk type='file' device='disk'>\n")
                .append("      <driver name='qemu' type='qcow2' cache='writeback' discard='unmap'/>\n")
                .append("      <source file='").append(esc(file)).append("'/>\n")
                .append("      <target dev='vd").append(dev).append("' bus='virtio'/>\n")
                .append("    </disk>\n");
    }

    /**
     * Replaces file paths in a domain XML: every attribute or element text that equals a key of
     * {@code paths} becomes its value. Used to restore a saved domain on a host that keeps the anima's
     * disk, kernel and console log elsewhere; nothing else in the XML changes.
     */
    public static String rewritePaths(String xml, Map<String, String> paths) {
        Document doc = parse(xml);
        rewrite(doc.getDocumentElement(), paths);
        return serialize(doc);
    }

    private static void rewrite(Element e, Map<String, String> paths) {
        var attrs = e.getAttributes();
        for (int i = 0; i < attrs.getLength(); i++) {
            Node a = attrs.item(i);
            String to = paths.get(a.getNodeValue());
            if (to != null) {
                a.setNodeValue(to);
            }
        }
        NodeList children = e.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            Node c = children.item(i);
            if (c instanceof Element child) {
                rewrite(child, paths);
            } else if (c.getNodeType() == Node.TEXT_NODE) {
                String to = paths.get(c.getNodeValue().trim());
                if (to != null) {
                    c.setNodeValue(to);
                }
            }
        }
    }

    /** Where a domain's data disk ({@code vda}) has the overlay a live move diverted it to: the disk under it, if it has one. */
    public static Optional<String> divertedFrom(String xml) {
        return select(xml, "/domain/devices/disk[target/@dev='vda']/backingStore/source/@file").filter(f -> !f.isBlank());
    }

    /** The domain with its data disk's overlay gone: the disk reads from the file under it again, with no backing store. */
    public static String undiverted(String xml) {
        return withDataDisk(xml, (d, source) -> {
            Element backing = first(d, "backingStore");
            if (backing == null) {
                return;
            }
            Element under = first(backing, "source");
            if (under != null) {
                source.setAttribute("file", under.getAttribute("file"));
                source.removeAttribute("index");
            }
            d.removeChild(backing);
        });
    }

    /** The domain with its data disk reading {@code file} itself, with no backing store. */
    public static String onDisk(String xml, String file) {
        return withDataDisk(xml, (d, source) -> {
            source.setAttribute("file", file);
            source.removeAttribute("index");
            for (Element backing = first(d, "backingStore"); backing != null; backing = first(d, "backingStore")) {
                d.removeChild(backing);
            }
        });
    }

    /** The domain parsed, {@code change} made to its data disk (the disk element of target vda, and its source), written again. */
    private static String withDataDisk(String xml, java.util.function.BiConsumer<Element, Element> change) {
        Document doc = parse(xml);
        NodeList disks = doc.getElementsByTagName("disk");
        for (int i = 0; i < disks.getLength(); i++) {
            Element d = (Element) disks.item(i);
            Element target = first(d, "target");
            Element source = first(d, "source");
            if (target != null && target.getAttribute("dev").equals("vda") && source != null) {
                change.accept(d, source);
            }
        }
        return serialize(doc);
    }

    private static Element first(Element parent, String tag) {
        for (Node c = parent.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element e && e.getTagName().equals(tag)) {
                return e;
            }
        }
        return null;
    }

    /**
     * zos's element of a domain's {@code <metadata>}: the anima's name, its role here ({@code home}, or
     * {@code visiting} with the host that is its {@code home}), in {@link #NAMESPACE}.
     */
    static String metadata(String name, String home) {
        return "<zos:anima xmlns:zos='" + NAMESPACE + "'><zos:name>" + esc(name) + "</zos:name><zos:role>"
                + (home == null ? "home" : "visiting") + "</zos:role>" + (home == null ? "" : "<zos:home>" + esc(home) + "</zos:home>")
                + "</zos:anima>";
    }

    /**
     * A domain XML whose {@code <metadata>} says the anima {@code name} is at home here ({@code home} null)
     * or visits from {@code home}; any element zos wrote there before is replaced, others' are kept.
     */
    public static String withMetadata(String xml, String name, String home) {
        Document doc = parse(xml);
        Element root = doc.getDocumentElement();
        Element metadata = null;
        for (Node c = root.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element e && e.getTagName().equals("metadata")) {
                metadata = e;
            }
        }
        if (metadata == null) {
            metadata = doc.createElement("metadata");
            root.insertBefore(metadata, root.getFirstChild());
        }
        for (Node c = metadata.getFirstChild(); c != null; ) {
            Node next = c.getNextSibling();
            if (c instanceof Element e && NAMESPACE.equals(namespaceOf(e))) {
                metadata.removeChild(e);
            }
            c = next;
        }
        Element ours = parse(metadata(name, home)).getDocumentElement();
        metadata.appendChild(doc.importNode(ours, true));
        return serialize(doc);
    }

    /** libvirt's namespace for QEMU's own command-line arguments. */
    static final String QEMU_NAMESPACE = "http://libvirt.org/schemas/domain/qemu/1.0";

    /**
     * The domain with a QMP monitor of QEMU's own at {@code socket}, beside libvirt's ({@link QemuMonitor}):
     * extra QEMU arguments in libvirt's QEMU namespace ({@code -qmp unix:SOCKET,server=on,wait=off}), the
     * only ones {@link DomainConfinement} lets through, and only as {@link #monitorArgs} writes them.
     */
    public static String withMonitor(String xml, Path socket) {
        Document doc = parse(xml);
        Element root = doc.getDocumentElement();
        root.setAttribute("xmlns:qemu", QEMU_NAMESPACE);
        Element line = doc.createElement("qemu:commandline");
        for (String a : monitorArgs(socket)) {
            Element arg = doc.createElement("qemu:arg");
            arg.setAttribute("value", a);
            line.appendChild(arg);
        }
        root.appendChild(line);
        return serialize(doc);
    }

    /**
     * The domain without the QMP monitor {@link #withMonitor} gave it (any socket path), as it is to be
     * saved, offered or placed elsewhere; unchanged if it has none. Other extra arguments stay (and are refused).
     */
    public static String withoutMonitor(String xml) {
        if (!xml.contains("qemu:commandline")) {
            return xml;
        }
        Document doc = parse(xml);
        Element root = doc.getDocumentElement();
        boolean removed = false;
        for (Node c = root.getFirstChild(); c != null; ) {
            Node next = c.getNextSibling();
            if (c instanceof Element e && e.getTagName().equals("qemu:commandline") && isMonitor(e)) {
                root.removeChild(e);
                removed = true;
            }
            c = next;
        }
        if (!removed) {
            return xml;
        }
        if (root.getElementsByTagName("qemu:commandline").getLength() == 0) {
            root.removeAttribute("xmlns:qemu");
        }
        return serialize(doc);
    }

    /** Whether a {@code <qemu:commandline>} is exactly a monitor {@link #withMonitor} writes, at some socket. */
    private static boolean isMonitor(Element line) {
        java.util.List<String> values = commandlineArgs(line);
        return values.size() == 2 && values.get(0).equals("-qmp") && values.get(1).matches("unix:/[^,]*/qmp\\.sock,server=on,wait=off");
    }

    /**
     * The values of a {@code <qemu:commandline>}'s arguments, in order; anything else in it (another element,
     * an argument with more than its value) stands as an entry no argument can be ("\0" and its tag).
     */
    static java.util.List<String> commandlineArgs(Element line) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (Node c = line.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element a) {
                out.add(a.getTagName().equals("qemu:arg") && a.getAttributes().getLength() == 1 ? a.getAttribute("value") : "\0" + a.getTagName());
            }
        }
        return out;
    }

    /** QEMU's arguments for a QMP monitor at {@code socket}. */
    static java.util.List<String> monitorArgs(Path socket) {
        return java.util.List.of("-qmp", "unix:" + socket + ",server=on,wait=off");
    }

    /** The namespace an element's prefix is declared with on the element itself (all zos writes), or null. */
    private static String namespaceOf(Element e) {
        String tag = e.getTagName();
        int colon = tag.indexOf(':');
        String attr = colon < 0 ? "xmlns" : "xmlns:" + tag.substring(0, colon);
        return e.hasAttribute(attr) ? e.getAttribute(attr) : null;
    }

    /** The value an XPath expression selects in a domain XML, if any (e.g. the channel's socket path). */
    public static Optional<String> select(String xml, String xpath) {
        return select(parse(xml), xpath);
    }

    /** What each of {@code xpaths} selects in a domain XML ("" for nothing), in order, the XML parsed once. */
    public static java.util.List<String> selectAll(String xml, java.util.List<String> xpaths) {
        Document doc = parse(xml);
        return xpaths.stream().map(x -> select(doc, x).orElse("")).toList();
    }

    /** An XPath evaluator a thread: the factory's lookup of its implementation is a service-loader scan each time. */
    private static final ThreadLocal<javax.xml.xpath.XPath> XPATH = ThreadLocal.withInitial(() -> XPathFactory.newInstance().newXPath());

    private static Optional<String> select(Document doc, String xpath) {
        try {
            javax.xml.xpath.XPath x = XPATH.get();
            x.reset();
            String v = (String) x.evaluate(xpath, doc, XPathConstants.STRING);
            return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
        } catch (javax.xml.xpath.XPathExpressionException e) {
            throw new IllegalArgumentException("bad XPath " + xpath, e);
        }
    }

    /** The {@code <cpu>} element of a domain XML, as its own XML, if the domain names a CPU model. */
    public static Optional<String> cpuElement(String xml) {
        Document doc = parse(xml);
        NodeList cpus = doc.getDocumentElement().getElementsByTagName("cpu");
        if (cpus.getLength() == 0 || ((Element) cpus.item(0)).getElementsByTagName("model").getLength() == 0) {
            return Optional.empty();
        }
        Document cpu = newDocument();
        cpu.appendChild(cpu.importNode(cpus.item(0), true));
        return Optional.of(serialize(cpu));
    }

    /** A parser a thread, made as {@link #parse} needs it (the factory's lookup is a service-loader scan each time). */
    private static final ThreadLocal<javax.xml.parsers.DocumentBuilder> PARSER = ThreadLocal.withInitial(() -> {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return f.newDocumentBuilder();
        } catch (javax.xml.parsers.ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
    });

    static Document parse(String xml) {
        try {
            javax.xml.parsers.DocumentBuilder b = PARSER.get();
            b.reset();
            return b.parse(new InputSource(new StringReader(xml)));
        } catch (Exception e) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "domain XML cannot be parsed: " + e.getMessage(),
                    "the saved state or definition is damaged", e);
        }
    }

    private static Document newDocument() {
        try {
            return DocumentBuilderFactory.newInstance().newDocumentBuilder().newDocument();
        } catch (javax.xml.parsers.ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String serialize(Document doc) {
        try {
            var t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            StringWriter out = new StringWriter();
            t.transform(new DOMSource(doc), new StreamResult(out));
            return out.toString();
        } catch (javax.xml.transform.TransformerException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String esc(Object value) {
        String s = String.valueOf(value);
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '\'' -> b.append("&apos;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
