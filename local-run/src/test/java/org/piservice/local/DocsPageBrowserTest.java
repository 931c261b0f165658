package org.piservice.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The docs page in a real browser: the system's headless Chromium, driven through the system's
 * chromedriver (nothing is downloaded), against local-run started by {@link LocalRunExtension}.
 * Skipped, saying why, only where no Chromium is installed; CI installs it.
 */
@ExtendWith(LocalRunExtension.class)
class DocsPageBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final URI base;
    private Path profile;
    private WebDriver browser;

    DocsPageBrowserTest(URI base) {
        this.base = base;
    }

    @BeforeEach
    void openBrowser() throws IOException {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Skipped: no headless Chromium here (needs Debian's chromium and chromium-driver: "
                        + "apt-get install chromium chromium-driver)");
        profile = Files.createTempDirectory("pi-service-chromium-");
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--disable-dev-shm-usage", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogOutput(java.io.OutputStream.nullOutputStream())
                .build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void closeBrowser() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        if (profile != null) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    @Test
    void docsPageListsTheThreeOperationsAndTryItOutSubmitsAJob() {
        // GIVEN the docs page
        browser.get(base.resolve("/").toString());
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        wait.until(ExpectedConditions.numberOfElementsToBeMoreThan(By.cssSelector(".opblock"), 2));

        // THEN it shows the three operations
        List<String> operations = browser.findElements(By.cssSelector(".opblock .opblock-summary")).stream()
                .map(summary -> summary.findElement(By.cssSelector(".opblock-summary-method")).getText() + " "
                        + summary.findElement(By.cssSelector(".opblock-summary-path")).getAttribute("data-path"))
                .toList();
        assertThat(operations).contains("POST /pi_job", "GET /pi_job/{job_id}", "GET /download_pi_job/{job_id}");

        // WHEN "Try it out" submits a job from POST /pi_job
        WebElement post = browser.findElement(By.cssSelector(".opblock.opblock-post"));
        post.findElement(By.cssSelector(".opblock-summary")).click();
        WebElement tryItOut = wait.until(ExpectedConditions.presenceOfNestedElementLocatedBy(post,
                By.cssSelector(".try-out__btn")));
        // The page may open operations ready to try (its "Cancel" is then the same button).
        if (tryItOut.getText().contains("Try it out")) {
            tryItOut.click();
        }
        WebElement body = wait.until(ExpectedConditions.presenceOfNestedElementLocatedBy(post,
                By.cssSelector("textarea.body-param__text")));
        // React owns the textarea: set its value through the native setter so the change registers.
        ((JavascriptExecutor) browser).executeScript("""
                const area = arguments[0];
                Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set.call(area, arguments[1]);
                area.dispatchEvent(new Event('input', {bubbles: true}));
                """, body, "{\"digits\": 100}");
        post.findElement(By.cssSelector(".execute")).click();

        // THEN the live response is a 202 with the job's id
        WebElement status = wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector(".opblock-post .live-responses-table .response .response-col_status")));
        assertThat(status.getText().trim()).startsWith("202");
        String responseBody = post.findElement(By.cssSelector(".live-responses-table .response .response-col_description"))
                .getText();
        assertThat(responseBody).contains("\"success\": true").contains("\"job_id\"");
    }
}
