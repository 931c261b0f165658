package org.piservice.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.piservice.core.PiDigits;

/**
 * The page for people at {@code /app} in a real browser ({@link HeadlessChromium}) against local-run
 * started by {@link LocalRunExtension}: a job of nearly the most digits local-run allows, from the
 * form to the download and the digit viewer, checked against digits computed here by pi-core,
 * independently of the service. Skipped, saying why, only where no Chromium is installed.
 * Screenshots of the page go to {@code target/screenshots/}.
 */
@ExtendWith(LocalRunExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AppPageBrowserTest {

    /**
     * With a heartbeat every 3 s ({@code WorkerSettings.DEFAULT}), a job must run well over 6 s for
     * the bar to show two values between 0 and 100, and a few million digits no longer take that
     * long. One below local-run's default limit, so that the store still lacks the limit's digits
     * when {@link #cancelStopsARunningJob} asks for them.
     */
    private static final int DIGITS = Options.DEFAULT_MAX_DIGITS - 1;
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(4);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http = HttpClient.newHttpClient();
    private final JobsClient jobs;
    private HeadlessChromium chromium;
    private ChromeDriver browser;
    private WebDriverWait wait;

    AppPageBrowserTest(URI base) {
        this.base = base;
        this.jobs = new JobsClient(http, base);
    }

    @BeforeEach
    void openBrowser() {
        chromium = HeadlessChromium.start();
        browser = chromium.driver();
        wait = new WebDriverWait(browser, WAIT);
    }

    @AfterEach
    void closeBrowser() throws IOException {
        if (chromium != null) {
            chromium.close();
        }
    }

    @Test
    void computesWithAProgressBarThroughAReloadThenDownloadsAndBrowsesTheDigits() throws Exception {
        // The reference, computed while the service computes its own
        CompletableFuture<byte[]> reference = CompletableFuture.supplyAsync(() -> pi(DIGITS));

        // GIVEN the page, showing this deployment's limit (numbers as the page writes them, in en-US)
        String limit = String.format(Locale.US, "%,d", maxDigits());
        browser.get(base.resolve("/app").toString());
        wait.until(driver -> text("digits-hint").contains(limit));

        // WHEN a person asks for nearly ten million digits
        browser.findElement(By.id("digits")).sendKeys(String.format(Locale.US, "%,d", DIGITS));
        browser.findElement(By.id("compute")).click();

        // THEN the bar advances to 100%, through a reload of the page on the way
        List<Double> seen = new ArrayList<>();
        boolean reloaded = false;
        boolean estimated = false;
        boolean computing = false;
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (!"complete".equals(barStatus())) {
            assertThat(System.nanoTime()).as("the job completes in %s", JOB_TIMEOUT).isLessThan(deadline);
            // The bar shows a job's progress once it carries the job's status (not in the moment after a reload).
            if (barStatus() != null) {
                double now = Double.parseDouble(browser.findElement(By.id("bar")).getDomAttribute("aria-valuenow"));
                if (seen.isEmpty() || seen.getLast() != now) {
                    seen.add(now);
                }
            }
            // the state, a live region, says only the state; the share done is beside it
            computing |= text("job-state").equals("Computing.");
            if (text("job-left").startsWith("about ") && !estimated) {
                estimated = true;
                screenshot("app-running");
            }
            if (!reloaded && !seen.isEmpty() && seen.getLast() > 0) {
                assertThat(browser.getCurrentUrl()).contains("?job=");
                browser.navigate().refresh();
                reloaded = true;
            }
            Thread.sleep(50);
        }
        seen.add(Double.parseDouble(browser.findElement(By.id("bar")).getDomAttribute("aria-valuenow")));
        assertThat(reloaded).as("the page was reloaded while the job ran").isTrue();
        assertThat(estimated).as("a time left was estimated from the progress").isTrue();
        assertThat(seen).as("bar values seen").isSorted().endsWith(100.0);
        assertThat(seen.stream().distinct().filter(value -> value > 0 && value < 100)).as("values between 0 and 100")
                .hasSizeGreaterThanOrEqualTo(2);
        assertThat(computing).as("the state said Computing.").isTrue();
        assertThat(text("job-state")).isEqualTo("Complete.");
        assertThat(text("job-done")).isEqualTo("100%");
        WebElement download = browser.findElement(By.id("download"));
        assertThat(download.getText()).isEqualTo("Download pi-" + DIGITS + ".txt");
        screenshot("app-complete");

        // WHEN the Download button is pressed, THEN the browser saves exactly the digits of the reference
        download.click();
        Path saved = chromium.downloads().resolve("pi-" + DIGITS + ".txt");
        new WebDriverWait(browser, Duration.ofSeconds(60)).until(driver -> downloaded(saved));
        byte[] expected = reference.join();
        assertThat(Files.size(saved)).isEqualTo(expected.length);
        assertThat(Arrays.mismatch(Files.readAllBytes(saved), expected)).as("first differing byte").isEqualTo(-1);

        // WHEN the viewer jumps to three positions (and pages on from one), THEN it shows the reference's digits there
        String positions = new String(expected, StandardCharsets.US_ASCII).replace(".", "");
        for (int position : new int[] {0, 1_234_567, DIGITS - 200}) {
            WebElement input = browser.findElement(By.id("position"));
            input.clear();
            input.sendKeys(Integer.toString(position));
            browser.findElement(By.cssSelector("#jump button")).click();
            wait.until(driver -> firstShownPosition() == position);
            assertViewerShows(positions);
        }
        assertThat(text("viewer-range")).isEqualTo(String.format(Locale.US, "Positions %,d to %,d of %,d.", DIGITS - 200, DIGITS, DIGITS));
        assertThat(browser.findElement(By.id("next")).isEnabled()).isFalse();
        browser.findElement(By.id("previous")).click();
        wait.until(driver -> firstShownPosition() == DIGITS - 700);
        assertViewerShows(positions);
        browser.findElement(By.id("position")).clear();
        browser.findElement(By.id("position")).sendKeys("1000");
        browser.findElement(By.cssSelector("#jump button")).click();
        wait.until(driver -> firstShownPosition() == 1000);
        browser.executeScript("document.getElementById('viewer').scrollIntoView()");
        screenshot("app-viewer");
        browser.manage().window().setSize(new Dimension(400, 900));
        browser.executeScript("document.getElementById('viewer').scrollIntoView()");
        screenshot("app-viewer-phone");

        // AND every request the page made went to the service or to the result's link it handed out
        String jobId = browser.getCurrentUrl().replaceAll(".*[?&]job=([^&]+).*", "$1");
        URI resultLink = URI.create(http.send(HttpRequest.newBuilder(base.resolve("/download_pi_job/" + jobId)).build(),
                BodyHandlers.discarding()).headers().firstValue("Location").orElseThrow());
        String store = resultLink.getScheme() + "://" + resultLink.getAuthority() + "/";
        assertThat(chromium.requestedUrls())
                .isNotEmpty()
                .allSatisfy(url -> assertThat(url).satisfiesAnyOf(
                        inService -> assertThat(inService).startsWith(base.toString()),
                        inStore -> assertThat(inStore).startsWith(store),
                        // the page's empty icon, which no request fetches
                        icon -> assertThat(icon).isEqualTo("data:,")));
    }

    @Test
    void theAddressWithASlashAtTheEndLeadsToTheWorkingPage() {
        browser.get(base.resolve("/app/?job=" + UUID.randomUUID()).toString());

        // its script and styles load, and it follows the job the link names
        wait.until(driver -> text("digits-hint").startsWith("From 1 to"));
        wait.until(driver -> text("job-state").equals("No such job."));
        assertThat(URI.create(browser.getCurrentUrl()).getPath()).isEqualTo("/app");
    }

    @Test
    void aLinkWhoseJobIsNoIdIsNoSuchJob() {
        // ("." and ".." would turn the page's request for the job into one for another address)
        for (String job : List.of("..", ".", "a%2Fb")) {
            browser.get(base.resolve("/app?job=" + job).toString());
            wait.until(driver -> text("job-state").equals("No such job."));
        }
    }

    @Test
    void digitsTheStoreHoldsAreCompleteAtOnce() throws Exception {
        // GIVEN a store that holds at least 2000 decimals
        jobs.awaitComplete(jobs.submit(2000), JOB_TIMEOUT);

        // WHEN a person asks for fewer
        browser.get(base.resolve("/app").toString());
        browser.findElement(By.id("digits")).sendKeys("1500");
        browser.findElement(By.id("compute")).click();

        // THEN the first state shown is complete, with the download and the digits
        wait.until(driver -> !text("job-state").isEmpty() && !text("job-state").startsWith("Asking"));
        assertThat(text("job-state")).isEqualTo("Complete: these digits were known already, so nothing had to be computed.");
        assertThat(browser.findElement(By.id("bar")).getDomAttribute("aria-valuenow")).isEqualTo("100");
        assertThat(browser.findElement(By.id("cancel")).isDisplayed()).isFalse();
        assertThat(browser.findElement(By.id("download")).getText()).isEqualTo("Download pi-1500.txt");
        wait.until(driver -> firstShownPosition() == 0);
        assertThat(text("viewer-range")).isEqualTo("Positions 0 to 499 of 1,500.");

        // AND paged to the end from the keyboard, the keyboard stays in the viewer, on Previous
        WebElement next = browser.findElement(By.id("next"));
        next.sendKeys(Keys.ENTER);
        wait.until(driver -> firstShownPosition() == 500);
        browser.switchTo().activeElement().sendKeys(Keys.ENTER);
        wait.until(driver -> firstShownPosition() == 1000);
        browser.switchTo().activeElement().sendKeys(Keys.ENTER);
        wait.until(driver -> firstShownPosition() == 1500);
        assertThat(next.isEnabled()).isFalse();
        assertThat(browser.switchTo().activeElement().getDomAttribute("id")).isEqualTo("previous");
    }

    @Test
    void onAPhoneTheKeyboardReachesEveryLabelledControlAndNothingScrollsSideways() throws Exception {
        // GIVEN a phone-sized window and a store that holds at least 2000 decimals
        browser.manage().window().setSize(new Dimension(390, 844));
        jobs.awaitComplete(jobs.submit(2000), JOB_TIMEOUT);

        // WHEN a person types a number and presses Enter
        browser.get(base.resolve("/app").toString());
        browser.findElement(By.id("digits")).sendKeys("1200" + Keys.ENTER);
        wait.until(driver -> firstShownPosition() == 0);

        // THEN Tab goes through the form, the job's actions and the viewer, in that order
        List<String> focused = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            browser.switchTo().activeElement().sendKeys(Keys.TAB);
            WebElement now = browser.switchTo().activeElement();
            focused.add(now.getDomAttribute("id") != null ? now.getDomAttribute("id") : now.getText());
        }
        assertThat(focused).containsSubsequence("compute", "download", "again", "position", "Go", "next");

        // AND every control shown has a name a screen reader can say, and the page is no wider than the screen
        List<WebElement> controls = browser.findElements(By.cssSelector("input, button, a, [role=progressbar]")).stream()
                .filter(WebElement::isDisplayed).toList();
        assertThat(controls).hasSizeGreaterThanOrEqualTo(8)
                .allSatisfy(control -> assertThat(control.getAccessibleName()).as(control.getAttribute("outerHTML")).isNotBlank());
        Number sideways = (Number) browser.executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
        assertThat(sideways.intValue()).as("how far the page scrolls sideways").isLessThanOrEqualTo(0);
    }

    /**
     * Last: the service says cancelled at once, but the worker stops the computation only at its
     * next heartbeat, and until then it takes both cores from whatever the next test asks for.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void cancelStopsARunningJob() throws Exception {
        // GIVEN a person computing the most digits this deployment allows (more than the store holds)
        browser.get(base.resolve("/app").toString());
        int most = maxDigits();
        wait.until(driver -> text("digits-hint").contains(String.format(Locale.US, "%,d", most)));
        browser.findElement(By.id("digits")).sendKeys(Integer.toString(most));
        browser.findElement(By.id("compute")).click();

        // WHEN they press Cancel while it is queued or running
        WebElement cancel = browser.findElement(By.id("cancel"));
        wait.until(driver -> cancel.isDisplayed());
        String jobId = browser.getCurrentUrl().replaceAll(".*[?&]job=([^&]+).*", "$1");
        // (from the keyboard: Tab from the Compute button, then Enter)
        browser.findElement(By.id("compute")).sendKeys(Keys.TAB);
        assertThat(browser.switchTo().activeElement().getDomAttribute("id")).isEqualTo("cancel");
        browser.switchTo().activeElement().sendKeys(Keys.ENTER);

        // THEN the page says so, offers nothing more for the job but a new computation, where the
        // keyboard now is, and the service agrees
        wait.until(driver -> text("job-state").equals("Cancelled."));
        assertThat(cancel.isDisplayed()).isFalse();
        assertThat(browser.switchTo().activeElement().getDomAttribute("id")).isEqualTo("again");
        assertThat(browser.findElement(By.id("download")).isDisplayed()).isFalse();
        JsonNode status = JSON.readTree(http.send(HttpRequest.newBuilder(base.resolve("/pi_job/" + jobId)).build(),
                BodyHandlers.ofString()).body());
        assertThat(status.path("status").asText()).isEqualTo("cancelled");
    }

    @Test
    void explainsBadInputBeforeSendingAnything() throws Exception {
        browser.get(base.resolve("/app").toString());
        String limit = String.format(Locale.US, "%,d", maxDigits());
        wait.until(driver -> text("digits-hint").contains(limit));
        WebElement input = browser.findElement(By.id("digits"));

        input.sendKeys("12.5");
        browser.findElement(By.id("compute")).click();
        assertThat(text("digits-error")).isEqualTo("Use a whole number of decimals, written with digits only, for example 1000000.");
        assertThat(input.getDomAttribute("aria-invalid")).isEqualTo("true");

        input.clear();
        input.sendKeys(Long.toString(maxDigits() + 1L));
        assertThat(text("digits-error")).isEqualTo("This service computes at most " + limit + " decimals; ask for fewer.");
        browser.findElement(By.id("compute")).click();
        assertThat(text("digits-error")).isEqualTo("This service computes at most " + limit + " decimals; ask for fewer.");

        assertThat(chromium.requestedUrls()).noneMatch(url -> url.contains("pi_job"));
        assertThat(browser.findElement(By.id("job")).isDisplayed()).isFalse();
    }

    private void assertViewerShows(String positions) {
        List<List<String>> rows = shownRows();
        assertThat(rows).isNotEmpty();
        for (List<String> row : rows) {
            int position = Integer.parseInt(row.get(0));
            assertThat(row.get(1)).isEqualTo(String.format(Locale.US, "%,d", position));
            String digits = row.get(2).replaceAll("\\s", "");
            assertThat(digits).as("digits from position %d", position)
                    .isEqualTo(positions.substring(position, position + digits.length()));
        }
    }

    private int firstShownPosition() {
        List<List<String>> rows = shownRows();
        return rows.isEmpty() ? -1 : Integer.parseInt(rows.getFirst().get(0));
    }

    /** The viewer's rows (position, its label, the digits), read at one moment: a page replaces them all. */
    @SuppressWarnings("unchecked")
    private List<List<String>> shownRows() {
        return (List<List<String>>) browser.executeScript("""
                return [...document.querySelectorAll('#digit-rows tr')].map(row =>
                    [row.dataset.position, row.querySelector('th').textContent, row.querySelector('td').textContent]);
                """);
    }

    private String barStatus() {
        return browser.findElement(By.id("bar")).getDomAttribute("data-status");
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private static boolean downloaded(Path file) {
        try (Stream<Path> files = Files.list(file.getParent())) {
            return Files.exists(file) && files.noneMatch(f -> f.toString().endsWith(".crdownload"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Files.write(SCREENSHOTS.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    private int maxDigits() throws Exception {
        JsonNode document = JSON.readTree(http.send(HttpRequest.newBuilder(base.resolve("/openapi.json")).build(),
                BodyHandlers.ofString()).body());
        return document.at("/components/schemas/JobRequest/properties/digits/maximum").asInt();
    }

    private static byte[] pi(int digits) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(digits + 2);
        try {
            PiDigits.write(digits, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
