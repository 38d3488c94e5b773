package org.zos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.agent.daemon.ZosAgent;
import picocli.CommandLine;

/** The man pages: one per command, each rendered by man(1) without a warning where man-db is installed. */
class ManPagesTest {
    @TempDir
    Path tmp;

    static Map<String, String> pages() {
        return ManPages.all(ZosVm.model(), new CommandLine(new ZosAgent()));
    }

    @Test
    void everyCommandHasItsPage() {
        Map<String, String> pages = pages();
        int commands = count(ZosVm.model());
        assertEquals(commands + 1, pages.size(), "zos-vm and each of its commands, and zos-agent: " + pages.keySet());
        assertTrue(pages.containsKey("zos-vm.1") && pages.containsKey("zos-vm-dominate.1") && pages.containsKey("zos-vm-app-list.1")
                && pages.containsKey("zos-agent.8"), pages.keySet().toString());
        String root = pages.get("zos-vm.1");
        assertTrue(root.contains(".SH EXIT STATUS") && root.contains("DENIED"), "the root page has the table of exit statuses");
        assertTrue(root.contains(".B zos\\-vm dominate"), "and lists the commands");
        String dominate = pages.get("zos-vm-dominate.1");
        assertTrue(dominate.contains("\\fB\\-\\-bandwidth\\fR \\fIRATE\\fR"), dominate);
        assertTrue(dominate.startsWith(".\\\" ") && dominate.contains(".TH \"ZOS-VM-DOMINATE\" 1 "), dominate);
    }

    /** The commands a user can see (the root included, help not). */
    private static int count(CommandLine line) {
        if (!ManPages.shown(line)) {
            return 0;
        }
        return 1 + line.getSubcommands().values().stream().distinct().mapToInt(ManPagesTest::count).sum();
    }

    @Test
    void manRendersEveryPageWithoutAWarning() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/man")), "man-db is not installed");
        for (Path page : ManPages.write(tmp, ZosVm.model(), new CommandLine(new ZosAgent()))) {
            Process p = new ProcessBuilder("man", "--warnings", "-l", page.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectErrorStream(false).start();
            String warnings = new String(p.getErrorStream().readAllBytes());
            assertEquals(0, p.waitFor(), page + ": " + warnings);
            assertEquals("", warnings.strip(), page.toString());
        }
    }

    @Test
    void roffSpecialsAreEscaped() {
        assertEquals("\\&.hidden \\e \\-\\-x", ManPages.escape(".hidden \\ --x"));
        assertEquals("a\n\\&'quoted", ManPages.escape("a\n'quoted"));
    }
}
