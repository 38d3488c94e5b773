package org.zos.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.zos.agent.anima.AnimaManager;
import org.zos.protocol.message.Ping;
import org.zos.protocol.message.Pong;
import org.zos.protocol.message.StatusReport;
import org.zos.protocol.net.LocalServer;
import org.zos.protocol.tls.HostIdentity;
import picocli.CommandLine.Command;

/**
 * {@code zos-vm class-training} (hidden): what the package's class-data archive is made from. It runs the
 * commands people run most ({@code list}, {@code status}, {@code --version}) against a stand-in agent on
 * a socket of its own, so that the archive holds the classes of a whole command (picocli, Netty's epoll
 * transport, the zos pipeline, Jackson), not only those of {@code --help}.
 */
@Command(name = "class-training", hidden = true, description = "Run the common commands against a stand-in agent (for the class-data archive).")
final class ClassTrainingCommand implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("zos-class-training");
        Path socket = dir.resolve("zos-sock");
        PrintWriter nowhere = new PrintWriter(Writer.nullWriter());
        try (LocalServer agent = LocalServer.start(HostIdentity.generate("training"), socket, "zos class training",
                (caller, m, progress) -> m instanceof Ping p ? new Pong(p.nanos())
                        : new StatusReport(List.of(StatusReport.Anima.brief("anima", "training", "training", "running"))))) {
            for (String[] args : List.of(new String[] {"list", "--all", "--socket", socket.toString()},
                    new String[] {"status", "--socket", socket.toString()}, new String[] {"status", "--json", "--socket", socket.toString()},
                    new String[] {"--version"}, new String[] {"--help"}, new String[] {"dominate", "--help"}, new String[] {"return", "--help"})) {
                ZosVm.run(args, nowhere, nowhere);
            }
        } finally {
            AnimaManager.deleteTree(dir);
        }
        return 0;
    }
}
