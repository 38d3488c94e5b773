package org.zos.protocol;

import java.util.HashMap;
import java.util.Map;

/**
 * The zos error vocabulary: one entry per kind of failure a user or a peer must be able to tell apart.
 *
 * <p>This is the single place where a code's fixed wire value (an unsigned 16-bit number, never reused),
 * its command-line exit status and its short name are decided. Exit statuses follow virsh and git:
 * 0 success, 1 an unexpected internal failure, 2 a usage error; every other code has a status of its
 * own so scripts can react to it. The list grows only at the end.
 *
 * <pre>
 * wire  exit  code
 *    0     0  OK
 *    1     3  ANIMA_NOT_FOUND          the named anima is not known here
 *    2     4  HOST_UNREACHABLE         another host (or libvirtd here) cannot be reached
 *    3     5  PROTOCOL_ERROR           a peer sent something that breaks the protocol
 *    4     2  BAD_PARAMETER            a request or command line is malformed
 *    5     6  DENIED                   the access list forbids it
 *    6     7  UNKNOWN_PEER             the peer's certificate is not enrolled
 *    7     8  PEER_KEY_CHANGED         an enrolled peer presented another key
 *    8     9  VERSION_MISMATCH         the peer speaks another protocol version
 *    9    10  NO_SPACE                 not enough disk space for the operation
 *   10    11  INTEGRITY_ERROR          stored or received data failed its digest or seal
 *   11    12  BUSY                     another operation on the anima is under way
 *   12    13  ANIMA_EXISTS             an anima of that name already exists
 *   13    14  INVALID_STATE            the anima's state does not allow the operation
 *   14    15  HYPERVISOR_UNAVAILABLE   libvirtd is not running or refuses the connection
 *   15     1  INTERNAL                 a bug or an unexpected failure of the system
 *   16    16  INCOMPATIBLE_HOST        this host cannot run the anima (CPU, machine type)
 *   17   130  CANCELLED                the user cancelled it (Ctrl-C, zos-vm cancel)
 *   18    17  PEER_REVOKED             the site authority revoked the peer's endorsement
 * </pre>
 */
public enum ErrorCode {
    OK(0, 0, "success"),
    ANIMA_NOT_FOUND(1, 3, "the named anima is not known here"),
    HOST_UNREACHABLE(2, 4, "another host (or libvirtd here) cannot be reached"),
    PROTOCOL_ERROR(3, 5, "a peer sent something that breaks the protocol"),
    BAD_PARAMETER(4, 2, "a request or command line is malformed"),
    DENIED(5, 6, "the access list forbids it"),
    UNKNOWN_PEER(6, 7, "the peer's certificate is not enrolled"),
    PEER_KEY_CHANGED(7, 8, "an enrolled peer presented another key"),
    VERSION_MISMATCH(8, 9, "the peer speaks another protocol version"),
    NO_SPACE(9, 10, "not enough disk space for the operation"),
    INTEGRITY_ERROR(10, 11, "stored or received data failed its digest or seal"),
    BUSY(11, 12, "another operation on the anima is under way"),
    ANIMA_EXISTS(12, 13, "an anima of that name already exists"),
    INVALID_STATE(13, 14, "the anima's state does not allow the operation"),
    HYPERVISOR_UNAVAILABLE(14, 15, "libvirtd is not running or refuses the connection"),
    INTERNAL(15, 1, "a bug or an unexpected failure of the system"),
    INCOMPATIBLE_HOST(16, 16, "this host cannot run the anima (CPU, machine type)"),
    CANCELLED(17, 130, "the user cancelled it (Ctrl-C, zos-vm cancel)"),
    PEER_REVOKED(18, 17, "the site authority revoked the peer's endorsement");

    private static final Map<Integer, ErrorCode> BY_WIRE = new HashMap<>();

    static {
        for (ErrorCode code : values()) {
            if (BY_WIRE.put(code.wireValue, code) != null) {
                throw new ExceptionInInitializerError("duplicate wire value " + code.wireValue);
            }
        }
    }

    private final int wireValue;
    private final int exitStatus;
    private final String summary;

    ErrorCode(int wireValue, int exitStatus, String summary) {
        this.summary = summary;
        this.wireValue = wireValue;
        this.exitStatus = exitStatus;
    }

    /** The code's fixed value on the wire. */
    public int wireValue() {
        return wireValue;
    }

    /** The exit status of {@code zos-vm} when a command ends with this code. */
    public int exitStatus() {
        return exitStatus;
    }

    /** What the code means, in a few words (the table above). */
    public String summary() {
        return summary;
    }

    /**
     * The code for a wire value.
     *
     * @throws ZosException with {@link #PROTOCOL_ERROR} for a value no version of zos has assigned
     */
    public static ErrorCode fromWire(int wireValue) {
        ErrorCode code = BY_WIRE.get(wireValue);
        if (code == null) {
            throw new ZosException(PROTOCOL_ERROR, "unknown error code " + wireValue + " from peer",
                    "upgrade zos on this host");
        }
        return code;
    }
}
