package org.zos.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.parcel.RemoteConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code zos-vm remote}: the object stores parcels go to, named in /etc/zos/remotes. */
@Command(name = "remote", description = "Name the object stores (S3: AWS, Ceph RGW, MinIO, Garage) where animas are kept as parcels.",
        subcommands = {RemoteCommand.Add.class, RemoteCommand.List.class, RemoteCommand.Remove.class})
final class RemoteCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a remote command is needed (add, list, remove)");
    }

    abstract static class Sub extends PrintingCommand {
        @Option(names = "--config-dir", paramLabel = "DIR", description = "zos configuration (default: $ZOS_CONFIG_DIR or /etc/zos)")
        Path configDir = Path.of(HostOptions.envOr("ZOS_CONFIG_DIR", "/etc/zos"));
    }

    @Command(name = "add", description = "Name an object store; its credentials stay in a file of their own, or in the AWS variables.")
    static final class Add extends Sub {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--endpoint", paramLabel = "URL", description = "the S3 endpoint, e.g. http://10.0.0.5:7480 (default: AWS S3)")
        URI endpoint;
        @Option(names = "--bucket", required = true, paramLabel = "BUCKET")
        String bucket;
        @Option(names = "--prefix", paramLabel = "PREFIX", description = "every key of zos starts with it (default: none)")
        String prefix;
        @Option(names = "--region", paramLabel = "REGION", description = "default: us-east-1")
        String region;
        @Option(names = "--credentials", paramLabel = "FILE", description = "an AWS credentials file (default: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
        Path credentials;
        @Option(names = "--timeout", paramLabel = "SECONDS", description = "how long a request waits for an answer before it is tried again (default: 60)")
        int timeout = RemoteConfig.TIMEOUT;
        @Option(names = "--create-bucket", description = "create the bucket if it does not exist")
        boolean createBucket;

        @Override
        void run(PrintWriter out) throws Exception {
            RemoteConfig c = new RemoteConfig(name, endpoint, bucket, prefix, region, credentials == null ? null : credentials.toAbsolutePath(), null,
                    timeout);
            Path file = RemoteConfig.file(configDir, name);
            if (Files.exists(file)) {
                throw new ZosException(ErrorCode.ANIMA_EXISTS, "remote '" + name + "' exists already (" + file + ")",
                        "remove it first with 'zos-vm remote remove " + name + "'");
            }
            Files.createDirectories(file.getParent());
            StringBuilder b = new StringBuilder("# zos remote '" + name + "' (zos-vm remote add)\n");
            if (c.endpoint() != null) {
                b.append("endpoint = ").append(c.endpoint()).append('\n');
            }
            b.append("bucket = ").append(c.bucket()).append('\n');
            b.append("prefix = ").append(c.prefix()).append('\n');
            b.append("region = ").append(c.region()).append('\n');
            if (c.credentials() != null) {
                b.append("credentials = ").append(c.credentials()).append('\n');
            }
            if (c.timeoutSeconds() != RemoteConfig.TIMEOUT) {
                b.append("timeout = ").append(c.timeoutSeconds()).append('\n');
            }
            if (createBucket) {
                try (org.zos.store.parcel.S3Remote r = org.zos.store.parcel.S3Remote.open(c)) {
                    if (r.createBucket()) {
                        out.printf("Created bucket '%s'.%n", c.bucket());
                    }
                }
            }
            Path tmp = file.resolveSibling(name + ".properties.tmp");
            Files.writeString(tmp, b.toString());
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r-----"));
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            out.printf("Remote '%s' is %s.%n", name, c.where());
        }
    }

    @Command(name = "list", description = "The remotes this host knows.")
    static final class List extends Sub {
        @Override
        void run(PrintWriter out) throws Exception {
            Path dir = configDir.resolve("remotes");
            java.util.List<String> names = new java.util.ArrayList<>();
            if (Files.isDirectory(dir)) {
                try (var files = Files.list(dir)) {
                    files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".properties")).sorted()
                            .forEach(f -> names.add(f.substring(0, f.length() - ".properties".length())));
                }
            }
            if (names.isEmpty()) {
                out.println("No remote; add one with 'zos-vm remote add NAME --endpoint URL --bucket BUCKET'.");
                return;
            }
            for (String n : names) {
                out.printf("%-16s %s%n", n, RemoteConfig.load(configDir, n).where());
            }
        }
    }

    @Command(name = "remove", description = "Forget a remote (its parcels stay in the object store).")
    static final class Remove extends Sub {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        void run(PrintWriter out) throws Exception {
            RemoteConfig.load(configDir, name);
            Files.delete(RemoteConfig.file(configDir, name));
            out.printf("Forgot remote '%s'; its parcels stay in the object store.%n", name);
        }
    }
}
