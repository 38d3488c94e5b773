package org.zos.agent.anima;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Instant;
import java.util.UUID;

/**
 * What zos remembers of an anima on this host, saved as {@code anima.json} in the anima's directory.
 * libvirt's domain is the truth for whether it runs; this record is the truth for whether its memory is
 * saved in a state file ({@link #suspended}) and what that file's digest must be.
 *
 * @param format version of this record's layout (1)
 * @param stateSha256 SHA-256 of the state file, hex, while suspended
 * @param stateBytes size of the state file while suspended
 * @param home the anima's home host when it only visits this one (dominated); null when this is its home
 * @param away the host it runs on while this, its home, is dominating that host; null when it is here
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AnimaRecord(int format, String name, UUID uuid, int memoryMiB, int vcpus, long diskSizeMiB,
        String guestKey, String kernelPackage, String accelerator, Instant createdAt, boolean suspended,
        String stateSha256, long stateBytes, Instant savedAt, String home, String away) {

    public static final int FORMAT = 1;

    /** This record, suspended with a state file of the given digest and size. */
    public AnimaRecord withSavedState(String sha256, long bytes, Instant at) {
        return new AnimaRecord(format, name, uuid, memoryMiB, vcpus, diskSizeMiB, guestKey, kernelPackage,
                accelerator, createdAt, true, sha256, bytes, at, home, away);
    }

    /** This record, no longer suspended (resumed, or its state discarded). */
    public AnimaRecord withoutSavedState() {
        return new AnimaRecord(format, name, uuid, memoryMiB, vcpus, diskSizeMiB, guestKey, kernelPackage,
                accelerator, createdAt, false, null, 0, null, home, away);
    }

    /** This record with the anima away on {@code host} (null: here again). */
    public AnimaRecord withAway(String host) {
        return new AnimaRecord(format, name, uuid, memoryMiB, vcpus, diskSizeMiB, guestKey, kernelPackage,
                accelerator, createdAt, suspended, stateSha256, stateBytes, savedAt, home, host);
    }
}
