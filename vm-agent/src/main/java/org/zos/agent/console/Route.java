package org.zos.agent.console;

import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.Optional;

/**
 * Every request the console takes, in one table: method, path pattern ({@code {name}} for one segment,
 * {@code **} for the rest), and what it needs. {@link Need#PUBLIC} needs nothing; {@link Need#SESSION} a
 * session cookie (else 401); {@link Need#CSRF} the cookie and the session's CSRF token in the
 * {@code X-CSRF-Token} header (else 403); {@link Need#SOCKET} a WebSocket upgrade with the cookie, the
 * CSRF token in the {@code csrf} query parameter and an Origin naming this console. Anything else is 404
 * (unknown path) or 405 (known path, other method).
 */
enum Route {
    PAGE(HttpMethod.GET, "/", Need.PUBLIC),
    FILE(HttpMethod.GET, "/static/**", Need.PUBLIC),
    LOGIN(HttpMethod.GET, "/login", Need.PUBLIC),
    LOGOUT(HttpMethod.POST, "/logout", Need.CSRF),
    SESSION(HttpMethod.GET, "/api/session", Need.SESSION),
    HOSTS(HttpMethod.GET, "/api/hosts", Need.SESSION),
    ANIMAS(HttpMethod.GET, "/api/animas", Need.SESSION),
    MOVES(HttpMethod.GET, "/api/moves", Need.SESSION),
    ACTION(HttpMethod.POST, "/api/animas/{name}/{action}", Need.CSRF),
    EVENTS(HttpMethod.GET, "/api/events", Need.SOCKET),
    SCREEN(HttpMethod.GET, "/api/animas/{name}/screen", Need.SOCKET);

    enum Need { PUBLIC, SESSION, CSRF, SOCKET }

    /** A request matched to its route, with the path's {name} segments in order. */
    record Match(Route route, List<String> params) {
    }

    final HttpMethod method;
    final String pattern;
    final Need need;

    Route(HttpMethod method, String pattern, Need need) {
        this.method = method;
        this.pattern = pattern;
        this.need = need;
    }

    /**
     * The route for {@code path}: empty if no pattern matches it, or a match whose route's method may differ
     * from the request's (the caller answers 405 then).
     */
    static Optional<Match> find(HttpMethod method, String path) {
        Match other = null;
        for (Route r : values()) {
            Optional<List<String>> p = r.params(path);
            if (p.isPresent()) {
                Match m = new Match(r, p.get());
                if (r.method.equals(method)) {
                    return Optional.of(m);
                }
                other = other == null ? m : other;
            }
        }
        return Optional.ofNullable(other);
    }

    private Optional<List<String>> params(String path) {
        if (pattern.endsWith("/**")) {
            String prefix = pattern.substring(0, pattern.length() - 2);
            return path.startsWith(prefix) && path.length() > prefix.length()
                    ? Optional.of(List.of(path.substring(prefix.length()))) : Optional.empty();
        }
        String[] want = pattern.split("/", -1);
        String[] got = path.split("/", -1);
        if (want.length != got.length) {
            return Optional.empty();
        }
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < want.length; i++) {
            if (want[i].startsWith("{")) {
                if (got[i].isEmpty()) {
                    return Optional.empty();
                }
                out.add(got[i]);
            } else if (!want[i].equals(got[i])) {
                return Optional.empty();
            }
        }
        return Optional.of(out);
    }
}
