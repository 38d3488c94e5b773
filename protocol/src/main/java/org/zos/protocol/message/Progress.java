package org.zos.protocol.message;

/**
 * How far a long request has come, sent any number of times before its answer, in an envelope whose
 * {@code re} is the request's id. {@code total} is 0 when unknown. A receiver that waits for the answer
 * counts each progress message as a sign of life.
 *
 * @param phase what is being done, e.g. "saving", "restoring", "sending disk"
 * @param done bytes done in this phase
 * @param total bytes this phase will take (0: unknown)
 * @param elapsedMillis time spent in this phase
 */
public record Progress(String phase, long done, long total, long elapsedMillis) implements Message {
}
