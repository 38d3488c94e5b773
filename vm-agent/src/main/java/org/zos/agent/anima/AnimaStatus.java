package org.zos.agent.anima;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * One anima as {@code zos-vm status} shows it.
 *
 * @param state running, paused, suspended, shut off, shutting down, crashed, or missing (zos has a record
 *     but libvirt no domain)
 * @param vnc where its screen is served (host:port, localhost only), while it runs
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AnimaStatus(String name, String state, int memoryMiB, int vcpus, long diskSizeMiB,
        String accelerator, Heartbeat heartbeat, Long stateBytes, Instant savedAt, String vnc) {
}
