package org.zos.bench;

import java.util.List;
import java.util.Random;

/**
 * One run of the fault campaign: which fault, at which point of the move (a fault point of the agents'
 * moves, see vm-agent's {@code Faults}), on which side, drawn from the run's own seed so any run can be
 * replayed alone. The move itself (dominate or return) follows from where the anima is.
 *
 * @param fault what goes wrong
 * @param side "sender" or "receiver": the agent at whose point it goes wrong
 * @param point the fault point, e.g. {@code receiver.chunk}
 * @param nth the pass of the point it happens at (1: the first)
 * @param seconds how long the link stays down (link faults only)
 */
record FaultPlan(Fault fault, String side, String point, int nth, int seconds) {

    /** The faults the campaign sets off. */
    enum Fault {
        KILL_SENDER_AGENT("kill -9 the sender's agent", List.of("sender.disk-ahead", "sender.suspended", "sender.memory",
                "sender.chunk", "sender.committed")),
        KILL_RECEIVER_AGENT("kill -9 the receiver's agent", List.of("receiver.image", "receiver.chunk", "receiver.restored",
                "receiver.go")),
        KILL_RECEIVER_QEMU("kill -9 the receiver's QEMU", List.of("receiver.restored", "receiver.go")),
        LINK_DOWN("the receiver's link down", List.of("sender.disk-ahead", "sender.suspended", "sender.memory", "sender.chunk",
                "receiver.image", "receiver.restored")),
        DISK_FULL("the receiver's disk full", List.of("receiver.image")),
        CANCEL("cancel", List.of("sender.disk-ahead", "sender.suspended", "sender.memory", "sender.chunk"));

        final String label;
        final List<String> points;

        Fault(String label, List<String> points) {
            this.label = label;
            this.points = points;
        }
    }

    /** The plan of run {@code run} of a campaign seeded with {@code seed}. */
    static FaultPlan draw(long seed, int run) {
        Random r = new Random(seed * 1_000_003L + run);
        Fault f = Fault.values()[r.nextInt(Fault.values().length)];
        String point = f.points.get(r.nextInt(f.points.size()));
        int nth = switch (point) {
            case "sender.chunk", "receiver.chunk" -> 1 + r.nextInt(20);
            case "receiver.image" -> 1 + r.nextInt(f == Fault.DISK_FULL ? 5 : 6);
            default -> 1;
        };
        return new FaultPlan(f, point.substring(0, point.indexOf('.')), point, nth, 2 + r.nextInt(11));
    }

    /** The line of the agent's faults file that stops it at the point. */
    String waitLine() {
        return point + " wait " + nth;
    }

    @Override
    public String toString() {
        return fault.label + (fault == Fault.LINK_DOWN ? " for " + seconds + " s" : "") + " at " + point
                + (nth > 1 ? " #" + nth : "");
    }
}
