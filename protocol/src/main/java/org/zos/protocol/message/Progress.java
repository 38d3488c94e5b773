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

    @Override
    public void check() {
        Bounds b = Bounds.of("progress");
        b.text("phase", phase, 200).range("done", done, 0, Long.MAX_VALUE).range("total", total, 0, Long.MAX_VALUE)
                .range("elapsedMillis", elapsedMillis, 0, Long.MAX_VALUE);
    }
}
