package org.zos.cli;

import java.util.Locale;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import picocli.CommandLine.ITypeConverter;

/**
 * Sizes on the command line: a number with an optional unit, M (MiB, the default), G (GiB) or T (TiB);
 * 1024-based, as every size and byte rate in zos ({@link ZosVm#UNITS}).
 */
final class Sizes implements ITypeConverter<Long> {

    @Override
    public Long convert(String value) {
        try {
            return mib(value);
        } catch (ZosException e) {
            throw new picocli.CommandLine.TypeConversionException(e.userLine());
        }
    }

    static long mib(String value) {
        String v = value.trim().toUpperCase(Locale.ROOT).replaceAll("I?B$", "");
        long unit = 1;
        if (v.endsWith("M")) {
            v = v.substring(0, v.length() - 1);
        } else if (v.endsWith("G")) {
            unit = 1024;
            v = v.substring(0, v.length() - 1);
        } else if (v.endsWith("T")) {
            unit = 1024 * 1024;
            v = v.substring(0, v.length() - 1);
        }
        try {
            long n = Long.parseLong(v);
            if (n <= 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(n, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "'" + value + "' is not a size",
                    "write a positive number with an optional unit: 512M, 2G");
        }
    }

    /** Human form of a byte count: 1.5 MiB, 70 MiB, 2.0 GiB. */
    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return (v < 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.0f", v)) + " " + units[i];
    }
}
