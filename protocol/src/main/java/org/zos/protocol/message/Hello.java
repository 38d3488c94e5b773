package org.zos.protocol.message;

/**
 * The first message on each side after TLS: who this host is, which user it acts for (the master's
 * user; empty from an agent that only answers), and which zos it runs. The host name must match the
 * certificate the peer pinned; the user is vouched for by that host.
 */
public record Hello(String host, String user, String software) implements Message {

    @Override
    public void check() {
        Bounds b = Bounds.of("hello");
        b.matches("host", host, Bounds.HOST).matches("user", user, Bounds.USER).text("software", software, 200);
    }
}
