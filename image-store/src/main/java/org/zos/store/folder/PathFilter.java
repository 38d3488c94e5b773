package org.zos.store.folder;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which paths of a folder are never synced: whole subtrees ({@code prefixes}, relative paths such as
 * ".ssh"), and file names matching any of {@code names} (globs: '*' any run of characters, '?' one). The
 * sync's own ".zos-sync" directory is always left out. A left-out path is neither listed, read nor written.
 */
public final class PathFilter {
    public static final String SYNC_DIR = ".zos-sync";
    public static final PathFilter NONE = new PathFilter(Set.of(), List.of());

    private final Set<String> prefixes;
    private final List<Pattern> names;
    private final List<String> globs;

    public PathFilter(Set<String> prefixes, List<String> nameGlobs) {
        this.prefixes = Set.copyOf(prefixes);
        this.globs = List.copyOf(nameGlobs);
        this.names = nameGlobs.stream().map(PathFilter::regex).toList();
    }

    /** True if {@code path} (relative, '/'-separated) is left out of the sync. */
    public boolean excluded(String path) {
        if (path.equals(SYNC_DIR) || path.startsWith(SYNC_DIR + "/")) {
            return true;
        }
        for (String p : prefixes) {
            if (path.equals(p) || path.startsWith(p + "/")) {
                return true;
            }
        }
        String name = path.substring(path.lastIndexOf('/') + 1);
        for (Pattern n : names) {
            if (n.matcher(name).matches()) {
                return true;
            }
        }
        return false;
    }

    public Set<String> prefixes() {
        return prefixes;
    }

    public List<String> nameGlobs() {
        return globs;
    }

    public static Pattern regex(String glob) {
        StringBuilder b = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> b.append(".*");
                case '?' -> b.append('.');
                default -> b.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(b.toString(), glob.equals(glob.toLowerCase(Locale.ROOT)) ? Pattern.CASE_INSENSITIVE : 0);
    }
}
