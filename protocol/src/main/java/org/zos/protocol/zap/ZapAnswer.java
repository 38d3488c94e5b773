package org.zos.protocol.zap;

/**
 * An agent's answer to a {@link ZapQuery} it would accept: where to reach it, the fingerprint to check
 * when enrolling it, and what it offers. Memory and store space in bytes; load is the 1-minute average.
 */
public record ZapAnswer(int zap, long nonce, String host, int port, String fingerprint, int cpus, long memory,
        long freeStore, String hypervisor, String cpuModel, double load) {
}
