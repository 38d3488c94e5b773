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
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AnimaRecord(int format, String name, UUID uuid, int memoryMiB, int vcpus, long diskSizeMiB,
        String guestKey, String kernelPackage, String accelerator, Instant createdAt, boolean suspended,
        String stateSha256, long stateBytes, Instant savedAt) {

    public static final int FORMAT = 1;

    /** This record, suspended with a state file of the given digest and size. */
    public AnimaRecord withSavedState(String sha256, long bytes, Instant at) {
        return new AnimaRecord(format, name, uuid, memoryMiB, vcpus, diskSizeMiB, guestKey, kernelPackage,
                accelerator, createdAt, true, sha256, bytes, at);
    }

    /** This record, no longer suspended (resumed, or its state discarded). */
    public AnimaRecord withoutSavedState() {
        return new AnimaRecord(format, name, uuid, memoryMiB, vcpus, diskSizeMiB, guestKey, kernelPackage,
                accelerator, createdAt, false, null, 0, null);
    }
}
