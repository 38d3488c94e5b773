package org.zos.protocol.net;

import io.netty.channel.Channel;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.logging.Logger;
import org.zos.protocol.wire.Frame;

/**
 * Back-pressure on the receiving side. Server connections read only on request (AUTO_READ off): the
 * session asks for the next read after each batch unless {@link #LIMIT} data frames wait for the sink;
 * then reading pauses (TCP's window stops the sender) until the sink has worked the queue down to half.
 * So a slow sink holds about LIMIT frames and one socket read in memory, whatever the sender does.
 */
final class DataReceiver {
    static final int LIMIT = 8;
    private static final Logger LOG = Logger.getLogger(DataReceiver.class.getName());

    private final BlockingQueue<Frame> queue = new LinkedBlockingQueue<>();
    private final Channel channel;
    private final Thread thread;
    private volatile boolean paused;
    /** When reading last resumed after the sink fell behind (nanoTime). */
    private volatile long resumedAt = System.nanoTime();

    DataReceiver(Channel channel, Responder.Caller caller, DataSink sink) {
        this.channel = channel;
        this.thread = new Thread(() -> drain(caller, sink), "zos-data-" + caller.host().name());
        thread.setDaemon(true);
        thread.start();
        channel.closeFuture().addListener(f -> thread.interrupt());
    }

    /** Called on the event loop for each data frame. */
    void offer(Frame f) {
        queue.add(f.retain());
    }

    /**
     * Called on the event loop after a batch of reads: whether to read more now. If not, reading
     * resumes by itself once the sink has caught up.
     */
    boolean mayRead() {
        if (queue.size() >= LIMIT) {
            paused = true;
            if (queue.size() >= LIMIT) {
                return false;
            }
            paused = false;
        }
        return true;
    }

    /** Whether this end has wanted the peer's frames for at least {@code silence}: not paused for the sink, nor resumed within it. */
    boolean awaited(java.time.Duration silence) {
        return mayRead() && System.nanoTime() - resumedAt >= silence.toNanos();
    }

    private void drain(Responder.Caller caller, DataSink sink) {
        try {
            while (true) {
                Frame f = queue.take();
                try {
                    sink.accept(caller, f.payload());
                } catch (Exception e) {
                    LOG.warning("data from " + caller.host().name() + " refused: " + LogText.of(e));
                    channel.close();
                    return;
                } finally {
                    f.release();
                }
                if (paused && queue.size() <= LIMIT / 2) {
                    resumedAt = System.nanoTime();
                    paused = false;
                    channel.eventLoop().execute(channel::read);
                }
            }
        } catch (InterruptedException e) {
            queue.forEach(Frame::release);
            queue.clear();
        }
    }
}
