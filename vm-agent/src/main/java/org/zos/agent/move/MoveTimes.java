package org.zos.agent.move;

import java.time.Duration;

/**
 * Every deadline and pause of a move, in one place: {@link #REAL} on a host (docs/protocol.md, "Lost
 * connections and crashes", explains each figure), shorter ones in the protocol's unit tests.
 *
 * @param dial TCP, TLS and hello, each
 * @param idle silence allowed while a request is answered (each progress message restarts it)
 * @param abandon how long a sender dials again a target whose connection broke, while the anima runs
 * @param abandonSuspended the same once the anima is suspended for the move (every second is downtime)
 * @param retry the pause between two dials
 * @param goPatience how long the sender itself goes on telling the target to run a restored anima
 * @param goLater the pause between two tells once that went to the background
 * @param frameWait how long one data frame may wait for the link
 * @param imageWait how long a receiver waits for the chunks an {@code image-sent} counts
 * @param ask how long an anima restored paused waits for its go before its receiver asks the sender
 * @param watch how often a receiver looks at its moves
 * @param dropSilent how long a receiver keeps a move not yet restored whose sender says nothing
 */
record MoveTimes(Duration dial, Duration idle, Duration abandon, Duration abandonSuspended, Duration retry,
        Duration goPatience, Duration goLater, Duration frameWait, Duration imageWait, Duration ask, Duration watch,
        Duration dropSilent) {

    static final MoveTimes REAL = new MoveTimes(Duration.ofSeconds(15), Duration.ofSeconds(120), Duration.ofSeconds(60),
            Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(60),
            Duration.ofSeconds(120), Duration.ofSeconds(15), Duration.ofSeconds(5), Duration.ofSeconds(90));

    /** How many times a sender dials again before it gives up, whatever the time. */
    static final int MAX_ATTEMPTS = 10;
}
