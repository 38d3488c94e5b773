package org.zos.protocol.message;

import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * The checks every message makes of its fields in its {@link Message#check()}: one failure names the
 * message, the field, what it held (shortened) and the bound it broke, as BAD_PARAMETER. The bounds are
 * the ones docs/protocol.md gives each field ("Bounds").
 */
public final class Bounds {
    /** An anima's name: what a store and libvirt accept (docs/store-format.md). */
    public static final Pattern ANIMA = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** A host's name: a DNS name or an address. */
    public static final Pattern HOST = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.:_-]{0,252}");
    /** A user's name, as the access list names it; the empty name is the answering host's own hello. */
    public static final Pattern USER = Pattern.compile("[A-Za-z0-9._-]{0,64}");
    /** An image's name in a store. */
    public static final Pattern IMAGE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    /** A token such as a guest key, a kernel package or an action: no path separators, no spaces. */
    public static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+~:=-]{0,127}");
    private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    /** An absolute path on a host: no "..", no control characters. */
    public static final Pattern PATH = Pattern.compile("(?!.*/\\.\\.(/|$))/[^\\x00-\\x1f]{0,1023}");
    /** A SHA-256 in lower-case hex. */
    public static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** Free text (reasons, messages, hints, option values): at most this many characters. */
    public static final int TEXT = 4096;
    /** The note of an answer (what an action or a move did): at most this many characters. */
    public static final int NOTE = 65536;

    private final String message;

    private Bounds(String message) {
        this.message = message;
    }

    /** The checks of one message, named as on the wire ("move-offer"). */
    public static Bounds of(String message) {
        return new Bounds(message);
    }

    public Bounds matches(String field, String value, Pattern form) {
        required(field, value);
        if (!form.matcher(value).matches()) {
            throw bad(field, value, form == ANIMA ? "is not a valid anima name: 1 to 64 letters, digits, '.', '_' or '-', "
                    + "starting with a letter or digit" : form == HOST ? "is not a valid host name"
                    : form == USER ? "is not a valid user name" : form == IMAGE ? "is not a valid image name"
                    : "does not match " + form.pattern());
        }
        return this;
    }

    /** Absent (null), or as {@link #matches}. */
    public Bounds optional(String field, String value, Pattern form) {
        return value == null ? this : matches(field, value, form);
    }

    public Bounds required(String field, Object value) {
        if (value == null) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, message + ": " + field + " is missing", "send it");
        }
        return this;
    }

    /** Text of at most {@code max} characters, or absent. */
    public Bounds text(String field, String value, int max) {
        if (value != null && value.length() > max) {
            throw bad(field, value, "is " + value.length() + " characters long, more than " + max);
        }
        return this;
    }

    public Bounds range(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, message + ": " + field + " is " + value + ", outside ["
                    + min + ", " + max + "]", "send a value in range");
        }
        return this;
    }

    public Bounds oneOf(String field, String value, Set<String> allowed) {
        required(field, value);
        if (!allowed.contains(value)) {
            throw bad(field, value, "is none of " + new java.util.TreeSet<>(allowed));
        }
        return this;
    }

    public Bounds uuid(String field, String value) {
        return matches(field, value, UUID);
    }

    /** Base64 (RFC 4648, padded) whose decoding is {@code multiple} × n bytes, n from {@code min} to {@code max} bytes. */
    public Bounds base64(String field, String value, int minBytes, int maxBytes, int multiple) {
        required(field, value);
        if ((long) value.length() > 4L * ((maxBytes + 2) / 3)) {
            throw bad(field, value, "is longer than " + maxBytes + " bytes in base64");
        }
        int n;
        try {
            n = Base64.getDecoder().decode(value).length;
        } catch (IllegalArgumentException e) {
            throw bad(field, value, "is not base64 (" + e.getMessage() + ")");
        }
        if (n < minBytes || n > maxBytes || n % multiple != 0) {
            throw bad(field, value, "holds " + n + " bytes, not " + (minBytes == maxBytes ? String.valueOf(minBytes)
                    : minBytes + " to " + maxBytes) + (multiple > 1 ? " in multiples of " + multiple : ""));
        }
        return this;
    }

    /** A key of exactly 32 bytes, base64. */
    public Bounds key(String field, String value) {
        return base64(field, value, 32, 32, 1);
    }

    public Bounds size(String field, Collection<?> value, int max) {
        if (value != null && value.size() > max) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, message + ": " + field + " has " + value.size()
                    + " entries, more than " + max, "send fewer");
        }
        return this;
    }

    public Bounds size(String field, Map<?, ?> value, int max) {
        return size(field, value == null ? null : value.keySet(), max);
    }

    private ZosException bad(String field, String value, String why) {
        String shown = value.length() > 40 ? value.substring(0, 40) + "…" : value;
        shown = shown.replaceAll("[^\\x20-\\x7e]", "?");
        return new ZosException(ErrorCode.BAD_PARAMETER, message + ": " + field + " '" + shown + "' " + why,
                "see docs/protocol.md, Bounds");
    }
}
