package org.zos.guest.agent;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.zos.guest.agent.GuestAgent.GuestError;

/**
 * The small requests every zos guest answers, the same in the mini guest's shell: ping, write NAME TEXT,
 * read NAME, remove NAME and sum PATH (desktop guest only), warm (read every data file once), churn MIB (write MIB MiB of new data). Files live in the
 * data directory; names are letters, digits, '.', '_' and '-'.
 */
final class FileOps {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Path BOOT = Path.of("/run/zos-boot");
    private static final Path COUNTER = Path.of("/var/lib/zos-guest/counter");

    private final Path data;

    FileOps(Path data) {
        this.data = data;
    }

    /** The answer text of one request (as guest channel v0 worded it). */
    String run(String op, JsonNode request) throws GuestError, IOException {
        switch (op) {
            case "ping" -> {
                return "pong boot=" + firstLine(BOOT, "?") + " n=" + firstLine(COUNTER, "0");
            }
            case "write" -> {
                Path f = file(request);
                String text = request.path("text").asText("");
                try {
                    Files.writeString(f, text + "\n", StandardCharsets.UTF_8);
                    try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
                        ch.force(true);
                    }
                } catch (IOException e) {
                    throw new GuestError("write failed");
                }
                return "ok";
            }
            case "read" -> {
                Path f = file(request);
                if (!Files.isRegularFile(f)) {
                    throw new GuestError("no such file");
                }
                return "data " + firstLine(f, "");
            }
            case "remove" -> {
                Path f = file(request);
                if (!Files.deleteIfExists(f)) {
                    throw new GuestError("no such file");
                }
                return "ok";
            }
            case "sum" -> {
                // SHA-256 of a file of the data directory, or "PATH HASH" lines for each file under a folder of it
                String rel = request.path("name").asText("");
                if (!rel.matches("[A-Za-z0-9._-]{1,64}(/[A-Za-z0-9._-]{1,64}){0,7}") || rel.contains("..")) {
                    throw new GuestError("bad name");
                }
                Path f = data.resolve(rel);
                if (Files.isRegularFile(f)) {
                    return sha256(f);
                }
                if (!Files.isDirectory(f)) {
                    throw new GuestError("no such file");
                }
                StringBuilder b = new StringBuilder();
                try (Stream<Path> all = Files.walk(f)) {
                    for (Path p : (Iterable<Path>) all.filter(Files::isRegularFile).sorted()::iterator) {
                        b.append(f.relativize(p)).append(' ').append(sha256(p)).append('\n');
                    }
                }
                return b.toString().strip();
            }
            case "warm" -> {
                try (Stream<Path> all = Files.walk(data)) {
                    for (Path p : (Iterable<Path>) all.filter(Files::isRegularFile)::iterator) {
                        try (var in = Files.newInputStream(p)) {
                            in.transferTo(OutputStream.nullOutputStream());
                        }
                    }
                }
                return "ok";
            }
            case "churn" -> {
                int mib = request.path("mib").asInt(-1);
                if (mib < 0 || mib > 4096) {
                    throw new GuestError("churn needs a size in MiB");
                }
                Path dir = Files.createDirectories(data.resolve("churn"));
                byte[] raw = new byte[768 * 1024];
                SecureRandom random = new SecureRandom();
                try (OutputStream out = Files.newOutputStream(dir.resolve("c" + System.nanoTime()))) {
                    for (int i = 0; i < mib; i++) {
                        random.nextBytes(raw);
                        out.write(Base64.getMimeEncoder().encode(raw));
                    }
                } catch (IOException e) {
                    throw new GuestError("churn failed");
                }
                return "ok";
            }
            default -> throw new GuestError("unknown request '" + op + "'");
        }
    }

    private static String sha256(Path f) throws IOException {
        try (var in = Files.newInputStream(f)) {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path file(JsonNode request) throws GuestError {
        String name = request.path("name").asText("");
        if (!NAME.matcher(name).matches()) {
            throw new GuestError("bad name");
        }
        return data.resolve(name);
    }

    private static String firstLine(Path f, String fallback) {
        try (var lines = Files.lines(f)) {
            return lines.findFirst().orElse("");
        } catch (IOException | java.io.UncheckedIOException e) {
            return fallback;
        }
    }
}
