package org.zos.agent.move;

/**
 * Named points of a move where a test makes things go wrong (the points are listed in {@link Faults}).
 * Given to {@link Moves} from outside: {@link Faults} on a real host, a crash injector in the protocol's
 * unit tests, {@link #NONE} where nothing is injected.
 */
@FunctionalInterface
interface FaultPoints {
    FaultPoints NONE = point -> false;

    /** Passes {@code point}: may stop, fail or crash the caller; true if it is to spoil the data it sends next. */
    boolean at(String point);
}
