package org.zos.agent.console;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Who is logged in to the console. {@code zos-vm console} asks the agent for a login link holding a
 * one-time token (good for {@link #TOKEN_LIFE}); opening it gives a session, named by a random cookie and
 * holding its own CSRF token, that ends after {@link #IDLE} without a request or at logout. All tokens are
 * 256 random bits; they are compared in constant time and live only in this process's memory, so an
 * agent restart logs everybody out.
 */
final class Sessions {
    static final Duration TOKEN_LIFE = Duration.ofMinutes(5);
    static final Duration IDLE = Duration.ofHours(12);
    static final String COOKIE = "zos-session";
    static final int MAX_SESSIONS = 256;

    /** A logged-in user: {@code id} is the cookie's value, {@code csrf} what each state-changing request shows. */
    record Session(String id, String user, String csrf, Instant since) {
    }

    private record Pending(String user, Instant until) {
    }

    private final SecureRandom random = new SecureRandom();
    private final Supplier<Instant> clock;
    private final Map<String, Pending> tokens = new ConcurrentHashMap<>();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, Instant> lastSeen = new ConcurrentHashMap<>();

    Sessions(Supplier<Instant> clock) {
        this.clock = clock;
    }

    /** A new one-time login token for {@code user}. */
    String issue(String user) {
        expire();
        String t = randomToken();
        tokens.put(t, new Pending(user, clock.get().plus(TOKEN_LIFE)));
        return t;
    }

    /** The session the token opens, if it is known and fresh; the token is spent either way. */
    Optional<Session> login(String token) {
        expire();
        Pending p = token == null ? null : tokens.remove(token);
        if (p == null || clock.get().isAfter(p.until)) {
            return Optional.empty();
        }
        if (sessions.size() >= MAX_SESSIONS) {
            sessions.values().stream().min(java.util.Comparator.comparing(s -> lastSeen.getOrDefault(s.id(), s.since())))
                    .ifPresent(s -> logout(s.id()));
        }
        Session s = new Session(randomToken(), p.user, randomToken(), clock.get());
        sessions.put(s.id, s);
        lastSeen.put(s.id, s.since);
        return Optional.of(s);
    }

    /** The session a request's Cookie header names, if it is open; counts as a sign of use. */
    Optional<Session> find(String cookieHeader) {
        String id = cookie(cookieHeader, COOKIE);
        Session s = id == null ? null : sessions.get(id);
        if (s == null) {
            return Optional.empty();
        }
        Instant now = clock.get();
        if (now.isAfter(lastSeen.getOrDefault(id, s.since).plus(IDLE))) {
            logout(id);
            return Optional.empty();
        }
        lastSeen.put(id, now);
        return Optional.of(s);
    }

    void logout(String id) {
        sessions.remove(id);
        lastSeen.remove(id);
    }

    /** Whether {@code shown} is the session's CSRF token (constant time). */
    static boolean csrfMatches(Session s, String shown) {
        return shown != null && MessageDigest.isEqual(s.csrf.getBytes(StandardCharsets.US_ASCII),
                shown.getBytes(StandardCharsets.US_ASCII));
    }

    /** The value of cookie {@code name} in a Cookie header, or null. */
    static String cookie(String header, String name) {
        if (header == null) {
            return null;
        }
        for (String part : header.split(";")) {
            String p = part.strip();
            if (p.startsWith(name + "=")) {
                return p.substring(name.length() + 1);
            }
        }
        return null;
    }

    private void expire() {
        Instant now = clock.get();
        for (Iterator<Map.Entry<String, Pending>> i = tokens.entrySet().iterator(); i.hasNext(); ) {
            if (now.isAfter(i.next().getValue().until)) {
                i.remove();
            }
        }
    }

    private String randomToken() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
