package org.piservice.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The docs page in a real browser ({@link HeadlessChromium}) against local-run started by
 * {@link LocalRunExtension}. Skipped, saying why, only where no Chromium is installed.
 */
@ExtendWith(LocalRunExtension.class)
class DocsPageBrowserTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final URI base;
    private HeadlessChromium chromium;
    private WebDriver browser;

    DocsPageBrowserTest(URI base) {
        this.base = base;
    }

    @BeforeEach
    void openBrowser() {
        chromium = HeadlessChromium.start();
        browser = chromium.driver();
    }

    @AfterEach
    void closeBrowser() throws IOException {
        if (chromium != null) {
            chromium.close();
        }
    }

    @Test
    void topOfThePageLinksToThePageForPeopleAndNamesTheServerByItsAddress() {
        // GIVEN the docs page
        browser.get(base.resolve("/").toString());
        WebDriverWait wait = new WebDriverWait(browser, WAIT);

        // THEN its first link leads to the page for people
        WebElement link = browser.findElement(By.cssSelector(".for-people a"));
        assertThat(link.getDomProperty("href")).isEqualTo(base.resolve("/app").toString());

        // AND the server box shows the address "Try it out" calls, not "."
        WebElement server = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".servers select option")));
        wait.until(driver -> server.getText().startsWith("http"));
        assertThat(server.getText()).isEqualTo(base.toString().replaceAll("/$", "") + " - this deployment, the one that served this document");
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
        tryItOut(post, wait);
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

    @Test
    void tryItOutDownloadsACompleteJobsDigitsThroughItsRedirect() throws Exception {
        // GIVEN a complete job, and the docs page
        JobsClient jobs = new JobsClient(HttpClient.newHttpClient(), base);
        String jobId = jobs.submit(100);
        jobs.awaitComplete(jobId, WAIT);
        browser.get(base.resolve("/").toString());
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        wait.until(ExpectedConditions.numberOfElementsToBeMoreThan(By.cssSelector(".opblock"), 2));

        // WHEN "Try it out" runs GET /download_pi_job/{job_id} for it, which the service answers
        // with a redirect to the result store
        WebElement download = browser.findElements(By.cssSelector(".opblock.opblock-get")).stream()
                .filter(operation -> operation.findElement(By.cssSelector(".opblock-summary-path"))
                        .getAttribute("data-path").equals("/download_pi_job/{job_id}"))
                .findFirst().orElseThrow();
        tryItOut(download, wait);
        WebElement id = wait.until(ExpectedConditions.presenceOfNestedElementLocatedBy(download,
                By.cssSelector("tr[data-param-name='job_id'] input")));
        // Typed over the example the page fills in, as a person would
        id.sendKeys(Keys.chord(Keys.CONTROL, "a"), jobId);
        download.findElement(By.cssSelector(".execute")).click();

        // THEN the live response is the file's 200 (the page's policy let it follow the redirect)
        WebElement status = wait.until(ExpectedConditions.visibilityOfNestedElementsLocatedBy(download,
                By.cssSelector(".live-responses-table .response .response-col_status"))).getFirst();
        assertThat(status.getText().trim()).as(download.findElement(By.cssSelector(".live-responses-table")).getText())
                .startsWith("200");
    }

    /**
     * Opens {@code operation} and makes it ready to try. Its summary is brought to the middle of the
     * window first: one whose top edge alone shows at the window's bottom counts as in view, and a
     * click there lands on the operation's border, which opens nothing.
     */
    private void tryItOut(WebElement operation, WebDriverWait wait) {
        WebElement summary = operation.findElement(By.cssSelector(".opblock-summary"));
        ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'center'})", summary);
        summary.click();
        WebElement tryItOut = wait.until(ExpectedConditions.presenceOfNestedElementLocatedBy(operation,
                By.cssSelector(".try-out__btn")));
        // The page may open operations ready to try (its "Cancel" is then the same button).
        if (tryItOut.getText().contains("Try it out")) {
            tryItOut.click();
        }
    }

    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"390, 844", "1280, 900"})
    void aLongErrorWrapsInsideItsBoxClearOfItsButtons(int width, int height) {
        // GIVEN the docs page in a phone's and a desktop's window
        browser.manage().window().setSize(new Dimension(width, height));
        browser.get(base.resolve("/").toString());
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        WebElement operation = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.xpath("//div[contains(@class,'opblock-get')][.//*[@data-path='/pi_job/{job_id}']]")));

        // WHEN "Try it out" asks for a job under a long id that has no spaces to break at
        tryItOut(operation, wait);
        String longId = "no-such-job-" + "0123456789abcdef".repeat(12);
        wait.until(ExpectedConditions.presenceOfNestedElementLocatedBy(operation,
                By.cssSelector("tr[data-param-name='job_id'] input"))).sendKeys(longId);
        operation.findElement(By.cssSelector(".execute")).click();
        WebElement body = wait.until(ExpectedConditions.presenceOfNestedElementLocatedBy(operation,
                By.cssSelector(".live-responses-table .response .highlight-code > .microlight")));
        // (the answer repeats the id's start: an echo is shortened)
        wait.until(driver -> body.getText().contains(longId.substring(0, 64)));

        // THEN the error's lines wrap inside the box, and none runs under the copy or download button
        @SuppressWarnings("unchecked")
        Map<String, Object> layout = (Map<String, Object>) ((JavascriptExecutor) browser).executeScript("""
                const box = arguments[0];
                const range = document.createRange();
                range.selectNodeContents(box);
                const lines = [...range.getClientRects()].filter(line => line.width > 0);
                const buttons = [...box.parentElement.querySelectorAll('.copy-to-clipboard, .download-contents')]
                    .map(button => button.getBoundingClientRect());
                const covered = lines.filter(line => buttons.some(button => line.left < button.right
                    && button.left < line.right && line.top < button.bottom && button.top < line.bottom));
                return {overflow: box.scrollWidth - box.clientWidth, buttons: buttons.length, covered: covered.length,
                    pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth};
                """, body);
        assertThat(((Number) layout.get("overflow")).intValue()).as("how far the error runs out of its box").isLessThanOrEqualTo(0);
        assertThat(((Number) layout.get("buttons")).intValue()).as("buttons over the box").isPositive();
        assertThat(((Number) layout.get("covered")).intValue()).as("lines of text under a button").isZero();
        assertThat(((Number) layout.get("pageOverflow")).intValue()).as("how far the page scrolls sideways").isLessThanOrEqualTo(0);
    }
}
