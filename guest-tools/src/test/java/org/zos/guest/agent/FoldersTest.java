package org.zos.guest.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.guest.agent.GuestAgent.GuestError;
import org.zos.store.folder.Replica;

/** The guest side of shared folders: the never-export list and the anima's rules hold whatever is asked. */
class FoldersTest {
    @TempDir
    Path home;
    Folders folders;

    @BeforeEach
    void setUp() throws Exception {
        Files.createDirectories(home.resolve(".ssh"));
        Files.writeString(home.resolve(".ssh/id_ed25519"), "PRIVATE KEY");
        Files.createDirectories(home.resolve("work"));
        Files.writeString(home.resolve("work/plan.txt"), "plan");
        Files.writeString(home.resolve("work/server.pem"), "key");
        folders = new Folders(home);
    }

    ObjectNode share(String name, String path, String host) {
        return GuestAgent.JSON.createObjectNode().put("name", name).put("path", path).put("host", host);
    }

    @Test
    void theNeverExportListRefusesSshEvenWhenAskedByItsRealName() throws Exception {
        GuestError e = assertThrows(GuestError.class, () -> folders.run("folder-share", share("keys", "~/.ssh", "host2")));
        assertTrue(e.getMessage().contains("never leaves the anima"), e.getMessage());
        Files.createSymbolicLink(home.resolve("innocent"), home.resolve(".ssh"));
        assertThrows(GuestError.class, () -> folders.run("folder-share", share("keys", home + "/innocent", "host2")));
        assertThrows(GuestError.class, () -> folders.run("folder-share", share("k", "~/.ssh/id_ed25519", "host2")));
        assertEquals(0, folders.run("folder-list", share("", "", "")).path("shares").size());
    }

    @Test
    void aShareOfHomeLeavesTheSecretsOut() throws Exception {
        folders.run("folder-share", share("home", "~", "host2"));
        Replica.Scan scan = folders.replica("home").scan(-1);
        assertTrue(scan.entries().containsKey("work/plan.txt"));
        assertFalse(scan.entries().containsKey(".ssh"), "no .ssh");
        assertFalse(scan.entries().containsKey(".ssh/id_ed25519"));
        assertFalse(scan.entries().containsKey("work/server.pem"), "no key files");
        assertFalse(scan.entries().keySet().stream().anyMatch(p -> p.startsWith(".local/share/zos")), "nor zos's own list");
    }

    @Test
    void theAnimasRulesDecideWhichHostGetsWhat() throws Exception {
        Files.createDirectories(home.resolve(".config/zos"));
        Files.writeString(home.resolve(".config/zos/folder-rules"), "# work stays in the lab\nallow ~/work lab-*\ndeny ~/work *\n");
        folders.run("folder-share", share("w", "~/work", "lab-3"));
        GuestError e = assertThrows(GuestError.class, () -> folders.run("folder-share", share("w2", "~/work", "cafe")));
        assertTrue(e.getMessage().contains("deny ~/work *"), e.getMessage());
    }

    @Test
    void sharesAreListedAndStoppedAndAFolderLentByAHostLeavesWithTheLend() throws Exception {
        folders.run("folder-share", share("work", "~/work", "host2").put("readOnly", true));
        assertThrows(GuestError.class, () -> folders.run("folder-share", share("work", "~/work", "host3")), "names are unique");
        GuestError notEmpty = assertThrows(GuestError.class,
                () -> folders.run("folder-share", share("lent", "~/work", "host3").put("fromHost", true)));
        assertTrue(notEmpty.getMessage().contains("new or empty"), notEmpty.getMessage());
        folders.run("folder-share", share("printer", "~/from-host2", "host2").put("fromHost", true));
        Files.writeString(home.resolve("from-host2/queue.txt"), "the host's file");
        JsonNode list = folders.run("folder-list", share("", "", "")).path("shares");
        assertEquals(2, list.size());
        assertTrue(list.get(0).path("readOnly").asBoolean());

        folders.run("folder-stop", share("", "", "").put("share", "printer"));
        assertFalse(Files.exists(home.resolve("from-host2")), "the host's files leave the anima");
        folders.run("folder-stop", share("", "", "").put("share", "work"));
        assertTrue(Files.exists(home.resolve("work/plan.txt")), "the anima's own files stay");
        assertThrows(GuestError.class, () -> folders.run("folder-stop", share("", "", "").put("share", "work")));
    }
}
