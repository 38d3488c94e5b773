package org.zos.agent.anima;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The control requests every zos guest takes, as a user words them ({@code ping}, {@code write NAME TEXT},
 * {@code read NAME}, {@code warm}, {@code churn MIB}, {@code dirty MIB SECONDS} (the mini guest), {@code poweroff}), to and from guest channel v1's
 * JSON; answers read as before v1: {@code pong …}, {@code ok}, {@code data TEXT}, {@code err WHY}.
 */
public final class GuestRequests {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GuestRequests() {
    }

    /** The request a line of words stands for; the guest judges the fields. */
    public static ObjectNode of(String line) {
        String[] w = line.strip().split(" ", 3);
        ObjectNode r = JSON.createObjectNode().put("op", w[0]);
        switch (w[0]) {
            case "write" -> r.put("name", w.length > 1 ? w[1] : "").put("text", w.length > 2 ? w[2] : "");
            case "read", "remove", "sum" -> r.put("name", w.length > 1 ? w[1] : "");
            case "churn" -> number(r, "mib", w.length > 1 ? w[1] : "");
            case "dirty" -> {
                String[] a = w.length > 1 ? line.strip().split(" ") : new String[0];
                number(r, "mib", a.length > 1 ? a[1] : "");
                number(r, "seconds", a.length > 2 ? a[2] : "");
            }
            default -> {
                if (w.length > 1) {
                    r.put("args", line.strip().substring(w[0].length()).strip());
                }
            }
        }
        return r;
    }

    /** A field the user gave as a number: a JSON number if it is one, else the words as they are (the guest refuses them). */
    private static void number(ObjectNode r, String field, String words) {
        if (words.matches("[0-9]{1,6}")) {
            r.put(field, Integer.parseInt(words));
        } else {
            r.put(field, words);
        }
    }

    /** An answer as one line: its text, "ok", or "err " and the guest's reason. */
    public static String text(JsonNode answer) {
        if (answer.path("ok").asBoolean(false)) {
            return answer.path("text").asText("ok");
        }
        return "err " + answer.path("error").asText("the guest gave no reason");
    }
}
