package org.zos.protocol.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** The animas a host knows: where each one's home is, where it runs now, its state and its facts. */
public record StatusReport(List<Anima> animas) implements Message {

    /**
     * One anima as a host knows it. The host that runs (or keeps) it fills in the facts after
     * {@code state}; they are absent (null) where unknown.
     *
     * @param state running, paused, suspended, shut off, shutting down, crashed, or missing (a record but no
     *     libvirt domain)
     * @param heartbeatBoot the default guest's boot id, from its last heartbeat
     * @param heartbeatCount the default guest's counter, from its last heartbeat
     * @param savedBytes size of the saved memory, while suspended
     * @param savedAt when it was suspended (ISO-8601), while suspended
     * @param vnc where its screen is served (host:port), while it runs
     * @param moving what a move of it is doing now, e.g. "to host2: sending disk 40%", while it moves
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Anima(String name, String home, String location, String state, Integer memoryMiB, Integer vcpus,
            Long diskSizeMiB, String accelerator, String kernel, String heartbeatBoot, Long heartbeatCount,
            Long savedBytes, String savedAt, String vnc, String moving) {

        /** Where an anima is and its state, without the facts. */
        public static Anima brief(String name, String home, String location, String state) {
            return new Anima(name, home, location, state, null, null, null, null, null, null, null, null, null, null, null);
        }
    }
}
