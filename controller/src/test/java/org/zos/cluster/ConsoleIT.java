package org.zos.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.zos.protocol.ErrorCode;

/**
 * The web console the way a person meets it: headless chromium on this machine opens host1's console
 * (listening on the cluster network), logs in with the link {@code zos-vm console} prints, watches a
 * desktop anima, types into its xterm through noVNC, starts a dominate from the page and follows it to
 * the end without a reload, and brings it home. Screenshots of each step go to target/screenshots/console.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(DesktopCluster.Up.class)
class ConsoleIT {
    static final String MARK = "web" + UUID.randomUUID().toString().substring(0, 8);
    static Cluster cluster;
    static ClusterAnima anima;
    static Browser browser;

    @BeforeAll
    static void up() throws Exception {
        cluster = DesktopCluster.get().cluster;
        anima = DesktopCluster.get().anima;
        browser = new Browser(Path.of("target/screenshots/console"));
    }

    @AfterAll
    static void down() {
        if (browser != null) {
            browser.close();
        }
    }

    static String loginLink() {
        String out = anima.zos("host1", "console", "--no-browser", "--address", Cluster.address(1));
        return out.lines().filter(l -> l.strip().startsWith("https://")).findFirst().orElseThrow().strip();
    }

    static String cell(String css) {
        return browser.text(css);
    }

    @Test
    @Order(1)
    void loggingInShowsBothHostsAndTheAnima() throws Exception {
        browser.driver.get("https://" + Cluster.address(1) + ":7472/");
        browser.await(20, "the page says it is not logged in", d -> browser.find("#login").isDisplayed());
        browser.shot("0-not-logged-in");
        String link = loginLink();
        browser.driver.get(link);
        browser.await(20, "the anima's row", d -> !d.findElements(By.cssSelector("#animas tr[data-anima='desk']")).isEmpty());
        browser.await(40, "host2 is up and lets root dominate it", d -> !d.findElements(By.cssSelector("#hosts tr[data-host='host2']")).isEmpty()
                && cell("#hosts tr[data-host='host2'] td.access").equals("full"));
        assertEquals("running", cell("#animas tr[data-anima='desk'] td.state"));
        assertEquals("host1", cell("#animas tr[data-anima='desk'] td.location"));
        browser.await(20, "the xterm is listed as a window", d -> !d.findElements(By.cssSelector("#animas button.window[data-app='1']")).isEmpty());
        browser.shot("1-logged-in");
        browser.driver.get(link);
        assertTrue(browser.driver.getPageSource().contains("used already"), "a login link works once");
        browser.driver.get("https://" + Cluster.address(1) + ":7472/");
        browser.await(20, "the session goes on", d -> !d.findElements(By.cssSelector("#animas tr[data-anima='desk']")).isEmpty());
    }

    @Test
    @Order(2)
    void theWindowShowsInThePageAndTypingReachesTheProgram() throws Exception {
        browser.await(20, "the xterm's button", d -> !d.findElements(By.cssSelector("#animas button.window[data-app='1']")).isEmpty());
        browser.find("#animas button.window[data-app='1']").click();
        awaitScreen();
        Thread.sleep(2000);
        assertTrue(litPixels() > 500, "the canvas shows the guest's pixels: " + litPixels());
        typeInto("echo " + MARK + " > /data/web");
        assertEquals("data " + MARK, anima.zos("host1", "guest", "desk", "read", "web").strip(), "the keys reached the xterm");
        browser.shot("2-typed");
    }

    @Test
    @Order(3)
    void aViewOnlyScreenDropsTheKeys() throws Exception {
        browser.find("#screen-view-only").click();
        browser.find("#screen-open").click();
        awaitScreen();
        assertTrue(cell("#screen-status").contains("view only"));
        typeInto("echo nope > /data/webnope");
        HostRuntime.Result r = cluster.run("host1", "zos-vm", "guest", "desk", "read", "webnope");
        assertEquals(ErrorCode.BAD_PARAMETER.exitStatus(), r.status(), "the view-only screen's keys were dropped: " + r);
        browser.shot("3-view-only");
    }

    @Test
    @Order(4)
    void aRequestWithoutTheCsrfTokenIsRefused() {
        Object status = browser.driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch('/api/animas/desk/suspend', {method: 'POST', credentials: 'same-origin'}).then(r => done(r.status));");
        assertEquals(403L, status);
        assertEquals("running", cell("#animas tr[data-anima='desk'] td.state"));
    }

    @Test
    @Order(5)
    void aDominateStartedFromThePageIsFollowedToTheEndWithoutAReload() throws Exception {
        browser.js("window.zosSamePage = 'yes';");
        new Select(browser.find("#animas tr[data-anima='desk'] select.target")).selectByValue("host2");
        browser.find("#animas tr[data-anima='desk'] button[data-action='dominate']").click();
        browser.driver.switchTo().alert().accept();
        browser.await(20, "the move's panel", d -> !d.findElements(By.id("move-desk")).isEmpty());
        Set<String> phases = new LinkedHashSet<>();
        Set<String> percents = new LinkedHashSet<>();
        boolean shotMidway = false;
        long deadline = System.nanoTime() + 240_000_000_000L;
        while (!((String) browser.js("return document.getElementById('move-desk').className;")).matches(".*\\b(done|failed)\\b.*")) {
            assertTrue(System.nanoTime() < deadline, "the move ended within 240 s; phases seen: " + phases);
            // the panel may stand before its first progress (no figures yet) or just as the move ends
            String phase = browser.textOrNull("#move-desk .phase");
            if (phase != null && !phase.isEmpty()) {
                phases.add(phase);
            }
            String pct = browser.textOrNull("#move-desk .percent");
            if (pct != null && !pct.isEmpty()) {
                percents.add(pct);
            }
            if (!shotMidway && pct != null && !pct.isEmpty() && !pct.equals("0%")) {
                browser.shot("4-moving");
                shotMidway = true;
            }
            Thread.sleep(250);
        }
        browser.shot("5-moved");
        assertTrue(((String) browser.js("return document.getElementById('move-desk').className;")).contains("done"), cell("#move-desk .result"));
        assertTrue(phases.size() >= 3, "the page showed the move's phases as they came: " + phases);
        assertTrue(percents.size() >= 2, "the percentage advanced: " + percents);
        assertTrue(cell("#move-desk .result").contains("downtime"), cell("#move-desk .result"));
        assertEquals("yes", browser.js("return window.zosSamePage;"), "the page was never reloaded");
        browser.await(20, "the anima's row says it runs on host2",
                d -> cell("#animas tr[data-anima='desk'] td.location").equals("host2"));
        browser.await(10, "the move is in the history", d -> !d.findElements(By.cssSelector("#moves tbody tr")).isEmpty());
        assertTrue(cell("#moves tbody tr").contains("dominate → host2"), cell("#moves tbody tr"));
    }

    @Test
    @Order(6)
    void aSecondTabIsInStepAndTheAnimaComesHomeFromThePage() throws Exception {
        String first = browser.driver.getWindowHandle();
        browser.driver.switchTo().newWindow(org.openqa.selenium.WindowType.TAB);
        browser.driver.get("https://" + Cluster.address(1) + ":7472/");
        browser.await(20, "the second tab shows the anima on host2",
                d -> !d.findElements(By.cssSelector("#animas tr[data-anima='desk']")).isEmpty()
                        && cell("#animas tr[data-anima='desk'] td.location").equals("host2"));
        String second = browser.driver.getWindowHandle();
        browser.driver.switchTo().window(first);
        browser.find("#animas tr[data-anima='desk'] button[data-action='return']").click();
        browser.driver.switchTo().alert().accept();
        browser.driver.switchTo().window(second);
        browser.await(240, "the second tab follows the return to its end",
                d -> !d.findElements(By.cssSelector("#move-desk.done")).isEmpty());
        browser.await(20, "the second tab shows it home", d -> cell("#animas tr[data-anima='desk'] td.location").equals("host1"));
        browser.shot("6-second-tab-home");
        assertTrue(anima.zos("host1", "guest", "desk", "read", "web").contains(MARK), "it came home with its data");
    }

    private static void awaitScreen() {
        browser.await(60, "the screen connects", d -> "true".equals(browser.find("#screen").getAttribute("data-connected")));
    }

    private static long litPixels() {
        Object n = browser.js("const c = document.querySelector('#screen canvas');"
                + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let lit = 0;"
                + "for (let i = 0; i < d.length; i += 4) { if (d[i] + d[i + 1] + d[i + 2] > 60) lit++; } return lit;");
        return ((Number) n).longValue();
    }

    private static void typeInto(String line) throws InterruptedException {
        WebElement canvas = browser.find("#screen canvas");
        new Actions(browser.driver).moveToElement(canvas).click().perform();
        new Actions(browser.driver).sendKeys(line + "\n").perform();
        Thread.sleep(2500);
    }
}
