package org.zos.agent.anima;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Integration tests that boot the default guest: one {@link TestHost} per class, and a boot timeout. */
abstract class GuestTestBase {
    static final Duration BOOT = Duration.ofSeconds(90);
    static TestHost host;

    @BeforeAll
    static void up() throws Exception {
        host = new TestHost();
    }

    @AfterAll
    static void down() throws Exception {
        host.close();
    }
}
