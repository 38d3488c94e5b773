package org.zos.agent.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.anima.GuestLink;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.AnimaAction;

/**
 * The anima's shared application windows, on request: {@code app-run} (option {@code argv}, a JSON array of
 * strings, and {@code size}, WIDTHxHEIGHT), {@code app-list} and {@code app-stop} (option {@code app}), asked
 * of the guest agent over guest channel v1. The answer's note is the guest's JSON: the app, or the list.
 */
final class AppActions {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration TIMEOUT = Duration.ofSeconds(40);

    String run(AnimaManager m, AnimaAction a) throws IOException {
        String name = a.anima();
        GuestLink link = link(m, name);
        ObjectNode request = JSON.createObjectNode().put("op", a.action());
        switch (a.action()) {
            case "app-run" -> {
                JsonNode argv;
                try {
                    argv = JSON.readTree(a.option("argv", "[]"));
                } catch (IOException e) {
                    throw new ZosException(ErrorCode.BAD_PARAMETER, "argv of app-run is not a JSON array", "");
                }
                if (!argv.isArray() || argv.isEmpty()) {
                    throw new ZosException(ErrorCode.BAD_PARAMETER, "app-run needs a program",
                            "e.g. zos-vm app run " + name + " -- xterm");
                }
                request.set("argv", argv);
                if (a.options().containsKey("size")) {
                    request.put("size", a.option("size", ""));
                }
            }
            case "app-stop" -> request.put("app", AnimaActions.intOption(a, "app", -1));
            default -> {
                // app-list: no fields
            }
        }
        JsonNode answer = link.request(request, TIMEOUT);
        if (!answer.path("ok").asBoolean(false)) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "the anima '" + name + "' refused " + a.action() + ": "
                    + answer.path("error").asText("no reason given"), "");
        }
        return JSON.writeValueAsString(a.action().equals("app-list") ? answer.path("apps") : answer.path("app"));
    }

    /** The guest channel of a running anima whose guest has application windows. */
    static GuestLink link(AnimaManager m, String name) throws IOException {
        GuestLink link;
        try {
            link = m.guest(name, Duration.ofSeconds(10));
        } catch (IOException e) {
            throw new ZosException(ErrorCode.INVALID_STATE, "the guest agent of anima '" + name + "' does not answer: "
                    + e.getMessage(), "a desktop anima needs about a minute after 'zos-vm start' before its agent runs");
        }
        boolean apps = false;
        for (JsonNode f : link.hello().path("features")) {
            apps |= f.asText().equals("apps");
        }
        if (!apps) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "anima '" + name + "' runs the "
                    + link.hello().path("guest").asText("?") + " guest, which has no application windows",
                    "create an anima with 'zos-vm init --guest desktop'");
        }
        return link;
    }
}
