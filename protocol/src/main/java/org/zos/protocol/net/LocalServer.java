package org.zos.protocol.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.logging.Logger;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.Hello;
import org.zos.protocol.tls.HostIdentity;

/**
 * The agent's endpoint for commands from its own host, as libvirtd's {@code /run/libvirt/libvirt-sock}:
 * a UNIX socket, mode 0660 and owned by group {@code zos} where that group exists (0600, root only,
 * where it does not), speaking the zos wire without TLS. Each caller is identified by the socket's peer
 * credentials ({@link LocalProof}). The socket appears at its path only once its mode and group are set
 * (it is bound under a temporary name and renamed), and a socket file left by a dead agent is replaced.
 */
public final class LocalServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LocalServer.class.getName());
    /** Where the agent of a system installation listens; {@code RuntimeDirectory=zos} makes its folder. */
    public static final Path DEFAULT_SOCKET = Path.of("/run/zos/zos-sock");
    /** The group whose members may use the socket, as {@code libvirt} is for libvirt's. */
    public static final String GROUP = "zos";

    private final EventLoopGroup loop = new EpollEventLoopGroup(1);
    private final java.util.concurrent.ExecutorService requests = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "zos-local-request");
        t.setDaemon(true);
        return t;
    });
    private final Path path;
    private final Channel channel;
    private final String access;

    private LocalServer(HostIdentity me, Path path, String group, String software, Responder responder) throws IOException {
        this.path = path;
        Files.createDirectories(path.getParent());
        refuseLiveOrRemoveStale(path);
        Path bound = path.resolveSibling(path.getFileName() + ".new-" + ProcessHandle.current().pid());
        Files.deleteIfExists(bound);
        Hello hello = new Hello(me.host(), "", software);
        ServerBootstrap b = new ServerBootstrap().group(loop).channel(EpollServerDomainSocketChannel.class)
                .childOption(io.netty.channel.ChannelOption.AUTO_READ, false)
                .childOption(io.netty.channel.ChannelOption.MESSAGE_SIZE_ESTIMATOR, FrameSizes.ESTIMATOR)
                .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                    @Override
                    protected void initChannel(EpollDomainSocketChannel ch) throws Exception {
                        LocalProof proof = LocalProof.of(me, ch.peerCredentials().uid());
                        ZosPipeline.install(ch.pipeline(), null, new ServerSession(proof, hello, responder, null, requests));
                    }
                });
        try {
            channel = b.bind(new DomainSocketAddress(bound.toFile())).syncUninterruptibly().channel();
        } catch (Exception e) { // Netty rethrows the checked errors unchecked
            close();
            throw new ZosException(ErrorCode.BUSY, "cannot listen on " + path + ": " + e.getMessage(),
                    "check that " + path.getParent() + " is writable, or choose another path with --socket");
        }
        try {
            access = restrict(bound, group);
            Files.move(bound, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            close();
            Files.deleteIfExists(bound);
            throw e;
        }
    }

    /** Listens on {@code path} for callers of this host. */
    public static LocalServer start(HostIdentity me, Path path, String software, Responder responder) throws IOException {
        return new LocalServer(me, path, GROUP, software, responder);
    }

    /** Listens on {@code path}, open to {@code group} (tests: a group the test's other user is in). */
    static LocalServer start(HostIdentity me, Path path, String group, String software, Responder responder) throws IOException {
        return new LocalServer(me, path, group, software, responder);
    }

    /** Who may connect, as set on the socket: "group zos (0660)" or "root only (0600)". */
    public String access() {
        return access;
    }

    public Path path() {
        return path;
    }

    /** Mode 0660 with {@code group} where it exists, else 0600; says which. */
    private static String restrict(Path socket, String group) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(socket, PosixFileAttributeView.class);
        try {
            view.setGroup(socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group));
        } catch (java.nio.file.attribute.UserPrincipalNotFoundException none) {
            view.setPermissions(PosixFilePermissions.fromString("rw-------"));
            return "root only (0600; no group '" + group + "')";
        }
        view.setPermissions(PosixFilePermissions.fromString("rw-rw----"));
        return "group " + group + " (0660)";
    }

    /** A socket at {@code path} that answers belongs to a running agent: refused. One that does not is removed. */
    private static void refuseLiveOrRemoveStale(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int type = (Integer) Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS) & 0170000;
        if (type != 0140000) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, path + " exists and is not a socket",
                    "remove it, or give the agent another --socket");
        }
        try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(path))) {
            throw new ZosException(ErrorCode.BUSY, "another zos-agent listens on " + path,
                    "stop it first, or give this one another --socket");
        } catch (IOException dead) {
            LOG.info("removing the socket a stopped agent left at " + path);
            Files.deleteIfExists(path);
        }
    }

    @Override
    public synchronized void close() {
        if (loop.isShuttingDown()) {
            return;
        }
        if (channel != null) {
            channel.close().syncUninterruptibly();
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                LOG.warning("could not remove " + path + ": " + e.getMessage());
            }
        }
        requests.shutdownNow();
        loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }
}
