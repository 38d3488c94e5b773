package org.zos.agent.daemon;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.zos.protocol.tls.Authorities;

/**
 * Keeps this host's copy of each site authority's revocation list current: fetches it from where the
 * authority publishes it every {@link #EVERY}, so a revoked host is refused by every agent within a minute.
 * A failure to fetch keeps the list held and is logged once until it changes.
 */
final class RevocationWatch implements AutoCloseable {
    static final Duration EVERY = Duration.ofSeconds(30);
    private static final Logger LOG = Logger.getLogger(RevocationWatch.class.getName());
    private final Authorities site;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "zos-revocations");
        t.setDaemon(true);
        return t;
    });
    private Set<String> failing = Set.of();

    RevocationWatch(Authorities site) {
        this.site = site;
        timer.scheduleWithFixedDelay(this::refresh, 0, EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void refresh() {
        try {
            List<String> said = site.refresh();
            Set<String> now = new HashSet<>();
            for (String line : said) {
                if (line.contains("cannot fetch")) {
                    now.add(line);
                    if (!failing.contains(line)) {
                        LOG.warning(line + "; the list held stays in force");
                    }
                } else {
                    LOG.info(line);
                }
            }
            failing = now;
        } catch (RuntimeException e) {
            LOG.warning("site authorities: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
