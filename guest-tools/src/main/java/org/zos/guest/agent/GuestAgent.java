package org.zos.guest.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Logger;
import org.zos.protocol.guest.GuestFrame;
import org.zos.protocol.guest.GuestMux;
import org.zos.protocol.guest.GuestStream;
import org.zos.protocol.stream.Duplex;
import org.zos.protocol.stream.StreamPipe;

/**
 * The zos agent inside the desktop guest: answers guest channel v1 on the virtio-serial port
 * {@code org.zos.agent.0}. It does what qemu-guest-agent cannot: the anima's shared application windows
 * ({@link Apps}) and the streams that carry their VNC traffic to the host, and the small file requests of
 * the zos tests ({@link FileOps}). Clock, trim and shutdown are qemu-guest-agent's.
 *
 * <pre>
 *   GuestAgent --port /dev/virtio-ports/org.zos.agent.0 --data /data
 * </pre>
 *
 * The port stays open for the guest's whole life: when the host side goes away (a save, a move) reads end,
 * and the agent waits for the next host, which starts with a hello; streams of the old host are closed.
 */
public final class GuestAgent {
    private static final Logger LOG = Logger.getLogger(GuestAgent.class.getName());
    static final ObjectMapper JSON = new ObjectMapper();
    static final String VERSION = "zos-guest-agent 1";

    private final Apps apps;
    private final FileOps files;
    private final Folders folders;
    /** The id of the host link that said hello last. */
    private volatile String lastLink = "";
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "zos-guest-work");
        t.setDaemon(true);
        return t;
    });

    GuestAgent(Apps apps, FileOps files, Folders folders) {
        this.apps = apps;
        this.files = files;
        this.folders = folders;
    }

    public static void main(String[] args) throws Exception {
        String port = "/dev/virtio-ports/org.zos.agent.0";
        String data = "/data";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = args[i + 1];
                case "--data" -> data = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        RecentLog.install();
        new GuestAgent(new Apps(), new FileOps(Path.of(data)), new Folders(Path.of(System.getProperty("user.home")))).serve(Path.of(port));
    }

    /** Serves the port for ever: one {@link GuestMux} per host connection. */
    void serve(Path port) throws InterruptedException {
        while (!Files.exists(port)) {
            Thread.sleep(500);
        }
        try (RandomAccessFile f = new RandomAccessFile(port.toFile(), "rw")) {
            // One open file, both ways: the port can be open only once. Stream I/O on its descriptor takes
            // no Java lock, so a blocked read does not stop a write.
            InputStream in = new FileInputStream(f.getFD()) {
                @Override
                public int available() {
                    return 0; // a virtio port has no FIONREAD: the JDK's fallback (lseek) fails, "Illegal seek"
                }
            };
            OutputStream out = new FileOutputStream(f.getFD());
            LOG.info(VERSION + " serving " + port);
            while (true) {
                Object ended = new Object();
                GuestMux mux = connection(in, out, ended);
                synchronized (ended) {
                    mux.start();
                    ended.wait();
                }
                mux.close();
                LOG.warning("the guest channel failed; starting it again");
                Thread.sleep(300);
            }
        } catch (IOException e) {
            LOG.severe("cannot open " + port + ": " + e.getMessage());
            System.exit(1);
        }
    }

    /** One host connection: the mux over the port, and what this agent does with its frames. */
    GuestMux connection(InputStream in, OutputStream out, Object ended) {
        GuestMux[] self = new GuestMux[1];
        self[0] = new GuestMux(in, out, new GuestMux.Listener() {
            @Override
            public void control(GuestFrame frame) {
                if (frame.kind() == GuestFrame.Kind.HELLO) {
                    answer(self[0], frame); // in order with the frames around it: it ends the streams before it
                } else {
                    workers.execute(() -> answer(self[0], frame));
                }
            }

            @Override
            public void open(GuestMux mux, int stream, String json) {
                workers.execute(() -> openStream(mux, stream, json));
            }

            @Override
            public void ended(IOException why) {
                LOG.warning("the guest channel ended: " + why);
                synchronized (ended) {
                    ended.notifyAll();
                }
            }
        }, "zos-guest-channel").helloFirst().outlivesHosts();
        return self[0];
    }

    private void answer(GuestMux mux, GuestFrame frame) {
        ObjectNode reply = JSON.createObjectNode();
        try {
            ObjectNode request = (ObjectNode) JSON.readTree(frame.text());
            if (frame.kind() == GuestFrame.Kind.HELLO) {
                // A new host (after a save, a move): the streams of the one before are over, and their
                // numbers are the new host's to use. The same link saying hello again (it did not hear the
                // answer in time) keeps its streams.
                String link = request.path("link").asText("");
                if (link.isEmpty() || !link.equals(lastLink)) {
                    LOG.info("hello from a new host link " + link + ": forgetting streams " + mux.streams().stream().map(GuestStream::id).toList());
                    mux.forgetStreams("a new host connected");
                }
                lastLink = link;
                reply.put("version", 1).put("agent", VERSION).put("guest", "desktop").put("link", link);
                reply.putArray("features").add("apps").add("streams").add("folders");
                mux.send(GuestFrame.text(GuestFrame.Kind.HELLO, 0, JSON.writeValueAsString(reply)));
                return;
            }
            reply.set("id", request.get("id"));
            String op = request.path("op").asText("");
            switch (op) {
                case "ping", "write", "read", "remove", "sum", "warm", "churn" -> reply.put("ok", true).put("text", files.run(op, request));
                case "app-run", "app-list", "app-stop", "app-notice" -> {
                    reply.put("ok", true);
                    reply.setAll(apps.run(op, request));
                }
                case "threads" -> reply.put("ok", true).put("text", threads());
                case "log" -> reply.put("ok", true).put("text", RecentLog.text());
                case "folder-share", "folder-list", "folder-stop" -> {
                    reply.put("ok", true);
                    reply.setAll(folders.run(op, request));
                }
                default -> throw new GuestError("unknown request '" + op + "'");
            }
        } catch (GuestError e) {
            reply.put("ok", false).put("error", e.getMessage());
        } catch (Exception e) {
            LOG.warning("request failed: " + e);
            reply.put("ok", false).put("error", "bad request: " + e.getMessage());
        }
        try {
            mux.send(GuestFrame.text(GuestFrame.Kind.CTL, 0, JSON.writeValueAsString(reply)));
        } catch (IOException e) {
            LOG.fine("answer lost: " + e.getMessage());
        }
    }

    /**
     * A stream to an application's VNC server, {"target":"app","app":ID}, or to a shared folder's replica,
     * {"target":"folder","share":NAME}.
     */
    private void openStream(GuestMux mux, int stream, String json) {
        Socket socket;
        try {
            var target = JSON.readTree(json);
            if ("folder".equals(target.path("target").asText())) {
                folderStream(mux, stream, target.path("share").asText(""));
                return;
            }
            if (!"app".equals(target.path("target").asText())) {
                throw new GuestError("unknown stream target '" + target.path("target").asText() + "'");
            }
            int port = apps.vncPort(target.path("app").asInt(-1));
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setTcpNoDelay(true);
        } catch (Exception e) {
            String why = e instanceof GuestError ? e.getMessage() : "cannot open: " + e.getMessage();
            mux.sendQuietly(GuestFrame.text(GuestFrame.Kind.CLOSE, stream, JSON.createObjectNode().put("error", why).toString()));
            return;
        }
        try {
            GuestStream s = mux.accept(stream, "{\"ok\":true}");
            apps.viewerJoined(socket);
            StreamPipe.both(s, Duplex.of(socket), StreamPipe.AS_IS, "zos-app-stream-" + stream, why -> apps.viewerLeft(socket));
        } catch (IOException e) {
            closeQuietly(socket);
            mux.sendQuietly(GuestFrame.text(GuestFrame.Kind.CLOSE, stream,
                    JSON.createObjectNode().put("error", "cannot open: " + e.getMessage()).toString()));
        }
    }

    /** Serves a share's replica on the stream; a share that cannot be served is refused with its reason. */
    private void folderStream(GuestMux mux, int stream, String share) {
        org.zos.store.folder.LocalReplica replica;
        GuestStream s;
        try {
            replica = folders.replica(share);
            s = mux.accept(stream, "{\"ok\":true}");
        } catch (GuestError | IOException | RuntimeException e) {
            String why = e instanceof GuestError ? e.getMessage() : "cannot open: " + e.getMessage();
            mux.sendQuietly(GuestFrame.text(GuestFrame.Kind.CLOSE, stream, JSON.createObjectNode().put("error", why).toString()));
            return;
        }
        LOG.info("folder " + share + ": stream " + stream + " open");
        try {
            org.zos.store.folder.ReplicaWire.serve(replica, s);
            LOG.info("folder " + share + ": stream " + stream + " ended by the host");
        } catch (IOException | RuntimeException | Error e) {
            LOG.warning("folder " + share + ": stream " + stream + ": " + e);
        } finally {
            s.close();
        }
    }

    /** What every thread of the agent is doing: for diagnosing a guest agent that hangs ("zos-vm guest NAME threads"). */
    static String threads() {
        StringBuilder b = new StringBuilder();
        for (var e : Thread.getAllStackTraces().entrySet()) {
            b.append('"').append(e.getKey().getName()).append("\" ").append(e.getKey().getState()).append('\n');
            for (StackTraceElement f : e.getValue()) {
                b.append("    at ").append(f).append('\n');
            }
        }
        return b.toString();
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }

    /** A request the agent refuses, with the reason the host shows. */
    static final class GuestError extends Exception {
        GuestError(String message) {
            super(message);
        }
    }
}
