package org.zos.agent.console;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.zos.protocol.message.StatusReport;

/**
 * What the console shows and does, supplied by the agent (and by a stand-in in tests). Every method may
 * throw {@link org.zos.protocol.ZosException}; the console answers with its code and text, the same the
 * CLI prints.
 */
public interface ConsoleBackend {

    /** A host as the console lists it. {@code access} is what this user may do there: full, partial, none or null (unknown). */
    record Host(String name, String address, String fingerprint, boolean self, boolean enrolled, boolean discovered,
            Boolean up, String access, String problem) {
    }

    /** An anima this host holds, with the windows it lends ({@code apps}: the guest's list, or null). */
    record Anima(StatusReport.Anima status, JsonNode apps) {
    }

    /** This host's name. */
    String host();

    /**
     * This host, the enrolled hosts and those found on the LAN, with what {@code user} may do on each; may
     * take seconds (it asks them).
     */
    List<Host> hosts(String user);

    /** The animas this host holds. */
    List<Anima> animas();

    /**
     * Runs one action on an anima for {@code user}, as the CLI's command of the same name does, and
     * returns the note the CLI prints. Blocks until the action is done.
     */
    String act(String user, String anima, String action, Map<String, String> options) throws Exception;

    /**
     * The loopback port of a VNC endpoint showing the anima's screen ({@code app} 0) or one of its windows,
     * with the same access checks as {@code zos-vm view}.
     */
    int screen(String user, String anima, int app, boolean viewOnly) throws IOException;
}
