package org.zos.protocol.message;

import java.util.List;

/** The animas a host knows: where each one's home is, where it runs now, and its state. */
public record StatusReport(List<Anima> animas) implements Message {

    /** One anima as a host knows it. */
    public record Anima(String name, String home, String location, String state) {
    }
}
