package org.piservice.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The system's headless Chromium, driven through the system's chromedriver (nothing is downloaded),
 * with a throw-away profile, a download folder of its own and a log of every request it sends.
 * Where no Chromium is installed, {@link #start()} skips the test, saying why; CI installs it.
 * {@link #close()} fails the test when a page's Content-Security-Policy refused something, which
 * the page's own behaviour may not show (a style or an inline script blocked).
 */
final class HeadlessChromium implements AutoCloseable {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChromeDriver driver;
    private final Path profile;
    private final Path downloads;
    private final List<String> requested = new ArrayList<>();

    private HeadlessChromium(ChromeDriver driver, Path profile, Path downloads) {
        this.driver = driver;
        this.profile = profile;
        this.downloads = downloads;
    }

    static HeadlessChromium start() {
        String missing = "no headless Chromium here (needs Debian's chromium and chromium-driver: "
                + "apt-get install chromium chromium-driver)";
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        // CI's .ci/run installs them: a skip there would pass without the page's tests
        assertThat(present || !"true".equals(System.getenv("CI"))).as(missing + ", in CI").isTrue();
        assumeTrue(present, "Skipped: " + missing);
        try {
            Path profile = Files.createTempDirectory("pi-service-chromium-");
            Path downloads = Files.createDirectory(profile.resolve("downloads"));
            LoggingPreferences logs = new LoggingPreferences();
            logs.enable(LogType.PERFORMANCE, Level.ALL);
            logs.enable(LogType.BROWSER, Level.ALL);
            ChromeOptions options = new ChromeOptions()
                    .setBinary(CHROMIUM.toFile())
                    .addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update", "--disable-sync",
                            "--disable-dev-shm-usage", "--window-size=1000,900", "--user-data-dir=" + profile)
                    .setExperimentalOption("prefs", Map.of(
                            "download.default_directory", downloads.toString(),
                            "download.prompt_for_download", false));
            options.setCapability("goog:loggingPrefs", logs);
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(CHROMEDRIVER.toFile())
                    .usingAnyFreePort()
                    .withLogOutput(OutputStream.nullOutputStream())
                    .build();
            ChromeDriver driver = new ChromeDriver(service, options);
            // Headless Chromium ignores the download preference unless told through the DevTools protocol.
            driver.executeCdpCommand("Browser.setDownloadBehavior",
                    Map.of("behavior", "allow", "downloadPath", downloads.toString()));
            return new HeadlessChromium(driver, profile, downloads);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ChromeDriver driver() {
        return driver;
    }

    /** Where the browser saves downloads. */
    Path downloads() {
        return downloads;
    }

    /**
     * The URL of every request web pages have sent so far, redirects and downloads included; the
     * browser's own pages and their resources (its new-tab page at start, chrome://...), which it
     * serves from inside itself, are not counted.
     */
    List<String> requestedUrls() {
        for (LogEntry entry : driver.manage().logs().get(LogType.PERFORMANCE)) {
            try {
                JsonNode message = JSON.readTree(entry.getMessage()).path("message");
                if (message.path("method").asText().equals("Network.requestWillBeSent")
                        && !message.at("/params/documentURL").asText().startsWith("chrome")
                        && !message.at("/params/request/url").asText().startsWith("chrome")) {
                    requested.add(message.at("/params/request/url").asText());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return List.copyOf(requested);
    }

    @Override
    public void close() throws IOException {
        List<String> refused;
        try {
            refused = driver.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::getMessage)
                    .filter(message -> message.contains("Content Security Policy")).toList();
        } finally {
            driver.quit();
            deleteProfile();
        }
        if (!refused.isEmpty()) {
            throw new AssertionError("The pages' Content-Security-Policy refused: " + refused);
        }
    }

    /**
     * Deletes the browser's profile, as well as it can: Chromium's helper processes, which outlive
     * the browser by a moment, may still add and rename files there, and a walk fails on an entry
     * that vanished under it. What is left then stays in the temporary folder; no test fails for it.
     */
    private void deleteProfile() {
        for (int tries = 0; tries < 3; tries++) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            } catch (IOException | UncheckedIOException e) {
                // a file gone under the walk: the next pass sees what is left
            }
            if (!Files.exists(profile)) {
                return;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
