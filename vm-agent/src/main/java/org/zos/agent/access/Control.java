package org.zos.agent.access;

import java.util.Locale;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * How much of a host a user may take: {@code full} (the anima moves in), {@code partial} (shared windows
 * and folders only), or {@code none}. Full includes partial.
 */
public enum Control {
    NONE, PARTIAL, FULL;

    public static Control parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "'" + s + "' is not a kind of control",
                    "use full, partial or none");
        }
    }

    public boolean allows(Control wanted) {
        return compareTo(wanted) >= 0;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
