package org.zos.agent.hypervisor;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An array of libvirt's {@code virTypedParameter} (include/libvirt/libvirt-common.h), as the calls that take
 * named parameters want it (virDomainMigrateToURI3): each one 96 bytes, the field's name in the first 80
 * (NUL-terminated), the type as an int at 80, the value (8 bytes, a char* for strings) at 88. Strings are kept
 * in memory of their own for as long as this object is reachable; keep it so until the call returns.
 */
final class TypedParams {
    static final int SIZE = 96;
    static final int FIELD_LENGTH = 80;
    static final int TYPE_ULLONG = 4;
    static final int TYPE_STRING = 7;

    private record Param(String field, int type, long number, String text) {
    }

    private final List<Param> params = new ArrayList<>();
    private final List<Memory> strings = new ArrayList<>();

    /** Adds a string parameter (a field may come more than once, e.g. "migrate_disks"). */
    TypedParams string(String field, String value) {
        params.add(new Param(checked(field), TYPE_STRING, 0, value));
        return this;
    }

    /** Adds an unsigned long long parameter. */
    TypedParams ullong(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " cannot be negative: " + value);
        }
        params.add(new Param(checked(field), TYPE_ULLONG, value, null));
        return this;
    }

    int count() {
        return params.size();
    }

    /** The array, or null for none (libvirt takes NULL with 0 parameters). */
    Pointer pointer() {
        if (params.isEmpty()) {
            return null;
        }
        Memory m = new Memory((long) SIZE * params.size());
        m.clear();
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            long at = (long) SIZE * i;
            byte[] name = p.field().getBytes(StandardCharsets.US_ASCII);
            m.write(at, name, 0, name.length);
            m.setInt(at + FIELD_LENGTH, p.type());
            if (p.type() == TYPE_STRING) {
                byte[] utf8 = p.text().getBytes(StandardCharsets.UTF_8);
                Memory s = new Memory(utf8.length + 1L);
                s.write(0, utf8, 0, utf8.length);
                s.setByte(utf8.length, (byte) 0);
                strings.add(s);
                m.setPointer(at + 88, s);
            } else {
                m.setLong(at + 88, p.number());
            }
        }
        strings.add(m);
        return m;
    }

    /** The numeric parameters of an array libvirt filled ({@code n} of them at {@code array}), by name; strings are left out. */
    static java.util.Map<String, Long> numbers(Pointer array, int n) {
        java.util.Map<String, Long> m = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            long at = (long) SIZE * i;
            String field = array.getString(at, "US-ASCII");
            switch (array.getInt(at + FIELD_LENGTH)) {
                case 1, 2 -> m.put(field, (long) array.getInt(at + 88));
                case 3, TYPE_ULLONG -> m.put(field, array.getLong(at + 88));
                default -> { }
            }
        }
        return m;
    }

    private static String checked(String field) {
        if (field.isEmpty() || field.length() >= FIELD_LENGTH || !field.matches("[a-z_.]+")) {
            throw new IllegalArgumentException("not a libvirt parameter name: " + field);
        }
        return field;
    }
}
