package org.zos.cli;

import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --bandwidth}, for the commands that send an anima to another host (dominate, return, stage). */
final class BandwidthOption {
    @Option(names = "--bandwidth", paramLabel = "RATE",
            description = "send at most this fast: 50mbit (bits per second, 1000-based as links count) or 6M "
                    + "(bytes per second, M = MiB); default: as fast as the link goes")
    String rate;

    /** Adds the rate to what the agent is asked, if one was given; a rate it cannot read is refused here, before anything is asked. */
    void into(Map<String, String> options) {
        if (rate != null) {
            org.zos.agent.move.Moves.rate(rate);
            options.put("bandwidth", rate);
        }
    }
}
