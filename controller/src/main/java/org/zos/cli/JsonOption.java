package org.zos.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.PrintWriter;
import org.zos.agent.anima.AnimaRegistry;
import picocli.CommandLine.Option;

/** {@code --json} for a command that prints data: the same data as JSON, with stable keys, instead of a table. */
final class JsonOption {
    @Option(names = "--json", description = "print JSON (stable keys) instead of a table")
    boolean json;

    /** Prints {@code value} as JSON if {@code --json} was given; true if it did. */
    boolean printed(PrintWriter out, Object value) throws JsonProcessingException {
        if (json) {
            out.println(AnimaRegistry.JSON.writeValueAsString(value));
        }
        return json;
    }
}
