package org.zos.agent.move;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Random;
import java.util.Set;
import java.util.logging.Logger;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.anima.Sha256;
import org.zos.store.AnimaStore;
import org.zos.store.Store;
import org.zos.store.WorkMeter;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunking.ChunkerParams;
import org.zos.store.crypto.MasterKey;
import org.zos.store.manifest.Manifest;

/**
 * Runs a move's data path once on made-up data when the agent starts: a disk stored three times as it
 * changes, its chunks handed to a second store, checked, put back together and hashed, its blocks
 * indexed; then a live move's ({@link LiveWarmUp}). A daemon's first move would otherwise run that code cold, in the interpreter, while the
 * anima waits; the JIT makes it several times faster within a few runs (see docs/benchmarks.md). Takes a
 * few CPU-seconds at start, in a scratch directory that is removed afterwards; nothing of any anima is
 * touched.
 */
public final class WarmUp {
    private static final Logger LOG = Logger.getLogger(WarmUp.class.getName());
    private static final int DISK_BYTES = 24 << 20;
    private static final int ROUNDS = 3;

    private WarmUp() {
    }

    /** Runs it in {@code dir} (made, then removed); a failure is logged, never thrown: it is only an optimization. */
    public static void run(Path dir) {
        run(dir, DISK_BYTES, LiveWarmUp.MEMORY, ROUNDS);
    }

    static void run(Path dir, int diskBytes, int memoryBytes, int rounds) {
        long t0 = System.nanoTime();
        try {
            AnimaManager.deleteTree(dir);
            Files.createDirectories(dir);
            exercise(dir, diskBytes, rounds);
            long t1 = System.nanoTime();
            Path live = Files.createDirectories(dir.resolve("live"));
            LiveWarmUp.run(live, memoryBytes);
            LOG.info("warmed up the move path in " + (System.nanoTime() - t0) / 1_000_000 + " ms (the live path "
                    + (System.nanoTime() - t1) / 1_000_000 + " ms of it)");
        } catch (IOException | RuntimeException e) {
            LOG.warning("warming up the move path failed (moves work, only slower at first): " + e);
        } finally {
            try {
                AnimaManager.deleteTree(dir);
            } catch (RuntimeException e) {
                LOG.warning("could not remove " + dir + ": " + e);
            }
        }
    }

    private static void exercise(Path dir, int diskBytes, int rounds) throws IOException {
        byte[] kek = new byte[32];
        new SecureRandom().nextBytes(kek);
        MasterKey key = MasterKey.generate();
        Path disk = dir.resolve("disk");
        byte[] bytes = madeUp(diskBytes);
        Random r = new Random(1);
        try (AnimaStore from = Store.open(dir.resolve("from")).create("warm-up", key, kek);
                AnimaStore to = Store.open(dir.resolve("to")).create("warm-up", key, kek)) {
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < 64; i++) { // some blocks change between rounds, so deltas are made too
                    bytes[r.nextInt(bytes.length)] ^= 1;
                }
                Files.write(disk, bytes);
                Manifest m = from.ingest("disk", disk, ChunkerParams.DEFAULT, new WorkMeter()).manifest();
                Set<ChunkId> wanted = to.missing(from.withBases(m.chunkIds()));
                java.util.List<org.zos.store.chunk.SealedChunk> chunks = new java.util.ArrayList<>();
                for (ChunkId id : wanted) {
                    chunks.add(from.exportChunk(id));
                }
                to.importChunks(chunks, true);
                Manifest there = to.importManifest(from.exportManifest("disk", m.generation()));
                Path out = dir.resolve("out");
                Files.deleteIfExists(out);
                to.materialize(there, out, new WorkMeter(), false);
                Sha256.file(out);
                MemoryImage.blocks(out);
            }
        } finally {
            key.destroy();
        }
    }

    /** Like a guest's disk or memory: text, random (compressed) data and zeros, in blocks. */
    static byte[] madeUp(int size) {
        byte[] b = new byte[size];
        Random r = new Random(7);
        byte[] text = ("zos warm-up: a line of ordinary text, as config files and logs hold, number ")
                .getBytes(StandardCharsets.US_ASCII);
        for (int at = 0; at < b.length; at += 4096) {
            switch (r.nextInt(4)) {
                case 0, 1 -> {
                    for (int i = at; i < at + 4096; i++) {
                        b[i] = text[(i + r.nextInt(3)) % text.length];
                    }
                }
                case 2 -> {
                    byte[] random = new byte[4096];
                    r.nextBytes(random);
                    System.arraycopy(random, 0, b, at, 4096);
                }
                default -> {
                    // zeros
                }
            }
        }
        return b;
    }
}
