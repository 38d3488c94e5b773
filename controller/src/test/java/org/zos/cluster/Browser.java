package org.zos.cluster;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real browser for tests: Debian's chromium, headless, driven by its chromium-driver through Selenium
 * (both given by path, so Selenium never looks for a driver on the network). It accepts the console's
 * self-signed certificate; every screenshot it takes is kept under {@code shots}.
 */
final class Browser implements AutoCloseable {
    final ChromeDriver driver;
    private final Path shots;

    Browser(Path shots) throws java.io.IOException {
        this.shots = shots;
        Files.createDirectories(shots);
        ChromeOptions o = new ChromeOptions();
        o.setBinary("/usr/bin/chromium");
        o.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--ignore-certificate-errors", "--window-size=1400,1300", "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).build();
        driver = new ChromeDriver(service, o);
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    /**
     * The text a person reads in the element {@code css}, read in one step: the page re-renders parts of itself as
     * events come, so an element found first and read after may already be gone.
     */
    String text(String css) {
        String t = textOrNull(css);
        if (t == null) {
            throw new org.openqa.selenium.NoSuchElementException("nothing on the page matches " + css);
        }
        return t;
    }

    /** As {@link #text}, or null while nothing matches {@code css} (a part the page has not drawn yet). */
    String textOrNull(String css) {
        return (String) js("const e = document.querySelector(arguments[0]); return e == null ? null : e.innerText.trim();", css);
    }

    /** Waits up to {@code seconds} for {@code until} to give something other than null or false. */
    <T> T await(int seconds, String what, Function<WebDriver, T> until) {
        return new WebDriverWait(driver, Duration.ofSeconds(seconds)).withMessage(what).pollingEvery(Duration.ofMillis(200))
                .until(until);
    }

    void shot(String name) throws java.io.IOException {
        Files.write(shots.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
    }

    Object js(String script, Object... args) {
        return driver.executeScript(script, args);
    }

    @Override
    public void close() {
        driver.quit();
    }
}
