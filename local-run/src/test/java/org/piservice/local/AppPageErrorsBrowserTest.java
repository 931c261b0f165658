package org.piservice.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.piservice.contract.FunctionEnvironment;
import org.piservice.contract.GatewayAnswers;
import org.piservice.contract.Storage;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.testing.FaultProxy;
import org.piservice.jobs.testing.FaultProxy.Fault;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * What the page for people says when the service refuses a request or cannot serve it, in a real
 * browser ({@link HeadlessChromium}) against a local run of its own: its queue and table are reached
 * through {@link FaultProxy}s, so every refusal the page shows is the service's own answer to a real
 * fault or a real limit, and the page itself is loaded through one, so that one of its requests can
 * be held up as on a slow network. Skipped, saying why, only where no Chromium is installed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AppPageErrorsBrowserTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static FaultProxy sqs;
    private static FaultProxy dynamoDb;
    private static LocalRun run;
    /** Between the browser (and this test's requests as the same client) and the local API. */
    private static FaultProxy front;
    /** How the local run's functions reach its emulators (through the proxies). */
    private static Map<String, String> serviceSettings;

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> jobs = new ArrayList<>();
    private HeadlessChromium chromium;
    private ChromeDriver browser;
    private WebDriverWait wait;

    @BeforeAll
    static void startTheServiceBehindProxies() throws Exception {
        run = LocalRun.start(Options.parse("--port", "0").orElseThrow(), settings -> {
            Map<String, String> proxied = new HashMap<>(settings);
            sqs = FaultProxy.start(URI.create(settings.get("AWS_ENDPOINT_URL_SQS")));
            dynamoDb = FaultProxy.start(URI.create(settings.get("AWS_ENDPOINT_URL_DYNAMODB")));
            proxied.put("AWS_ENDPOINT_URL_SQS", sqs.endpoint().toString());
            proxied.put("AWS_ENDPOINT_URL_DYNAMODB", dynamoDb.endpoint().toString());
            serviceSettings = proxied;
            return proxied;
        });
        front = FaultProxy.start(run.uri());
        keepJobsQueued();
        // longer than a receive the workers had open before (a second, locally), which could still take a job
        Thread.sleep(Duration.ofSeconds(3));
    }

    /** The workers cannot reach the queue, so every job accepted stays queued until a test lets them. */
    private static void keepJobsQueued() {
        sqs.injectAlways(request -> request.isSqs("ReceiveMessage"), Fault.sqsOutage());
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable part : new AutoCloseable[] {front, run, sqs, dynamoDb}) {
            try {
                if (part != null) {
                    part.close();
                }
            } catch (Exception e) {
                System.err.println("Stopping " + part + " failed: " + e);
            }
        }
    }

    @BeforeEach
    void openBrowser() {
        chromium = HeadlessChromium.start();
        browser = chromium.driver();
        wait = new WebDriverWait(browser, WAIT);
    }

    @AfterEach
    void closeBrowserAndCancelWhatWasLeft() throws Exception {
        if (chromium != null) {
            chromium.close();
        }
        front.reset();
        dynamoDb.reset();
        for (String jobId : jobs) {
            http.send(HttpRequest.newBuilder(run.uri().resolve("/pi_job/" + jobId)).DELETE().build(), BodyHandlers.discarding());
        }
        sqs.reset();
        keepJobsQueued();
    }

    @Test
    void overItsLimitAPersonIsToldToWaitForOrCancelAComputationAndForHowLong() throws Exception {
        // GIVEN a person with as many queued computations as one client may have
        for (int i = 0; i < FunctionEnvironment.DEFAULT_MAX_UNFINISHED_JOBS_PER_CLIENT; i++) {
            HttpResponse<String> accepted = submit(1000 + i);
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            jobs.add(JSON.readTree(accepted.body()).path("job_id").asText());
        }
        HttpResponse<String> refused = submit(2000);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        String retryAfter = refused.headers().firstValue("Retry-After").orElseThrow();

        // WHEN they ask the page for another
        openPage();
        browser.findElement(By.id("digits")).sendKeys("2000");
        browser.findElement(By.id("compute")).click();

        // THEN the page says why not, what to do and when, holds the button for that long, and does not blame the number
        wait.until(driver -> !text("digits-error").isEmpty());
        assertThat(text("digits-error")).isEqualTo("You have as many unfinished computations as this service allows one "
                + "person at a time. Wait until one is complete, or cancel one; try again in " + retryAfter + " s.");
        WebElement compute = browser.findElement(By.id("compute"));
        assertThat(compute.isEnabled()).isFalse();
        assertThat(compute.getText()).matches("Compute \\(\\d+ s\\)");
        assertThat(browser.findElement(By.id("digits")).getDomAttribute("aria-invalid")).isEqualTo("false");
        assertThat(browser.findElement(By.id("job")).isDisplayed()).isFalse();
    }

    @Test
    void pastTheDigitsOfTheirDayAPersonIsToldToAskForFewerOrAfterMidnightAndMayAtOnce() {
        // GIVEN a person whose computations today took nearly the digits one person may have in a day
        front.inject(request -> request.method().equals("POST") && request.target().endsWith("/pi_job"),
                new Fault.Answer(429, "application/json", "{\"success\": false, \"error\": \"with these 8,000 digits"
                        + " your jobs today (UTC) would ask for more than 1,000,000,000, the most one client may in a day;"
                        + " ask for fewer, or try again after midnight UTC, in 540 minutes\", \"daily_digit_limit\":"
                        + " 1000000000}", Map.of("Retry-After", "32400")), 1);

        // WHEN they ask the page for more
        openPage();
        browser.findElement(By.id("digits")).sendKeys("8000");
        browser.findElement(By.id("compute")).click();

        // THEN the page says which limit, what to do and when, and leaves the button for a smaller number
        wait.until(driver -> !text("digits-error").isEmpty());
        assertThat(text("digits-error")).isEqualTo("With these digits your computations today would pass the"
                + " 1,000,000,000 digits this service allows one person in a day. Ask for fewer, or try again in"
                + " 9 h 00 min (after midnight UTC).");
        assertThat(browser.findElement(By.id("compute")).isEnabled()).isTrue();
        assertThat(browser.findElement(By.id("job")).isDisplayed()).isFalse();
    }

    @Test
    void whileTheQueueIsDownThePageSaysNothingWasStartedAndWhenToTryAgain() throws Exception {
        // GIVEN a service whose queue fails
        sqs.injectAlways(request -> request.isSqs("SendMessage"), Fault.sqsOutage());
        HttpResponse<String> unavailable = submit(6000);
        assertThat(unavailable.statusCode()).as(unavailable.body()).isEqualTo(503);
        String retryAfter = unavailable.headers().firstValue("Retry-After").orElseThrow();

        // WHEN a person asks for digits
        openPage();
        browser.findElement(By.id("digits")).sendKeys("6000");
        browser.findElement(By.id("compute")).click();

        // THEN the page says so in the service's words, and when to try again
        wait.until(driver -> !text("digits-error").isEmpty());
        assertThat(text("digits-error")).isEqualTo("The service is unavailable for a moment (the job queue is unavailable, "
                + "so no job was created). Try again in " + retryAfter + " s.");
        WebElement compute = browser.findElement(By.id("compute"));
        assertThat(compute.isEnabled()).isFalse();
        assertThat(browser.findElement(By.id("job")).isDisplayed()).isFalse();

        // AND once that wait is over, the button is back and the sentence no longer asks to wait
        new WebDriverWait(browser, Duration.ofSeconds(Long.parseLong(retryAfter) + 5)).until(driver -> compute.isEnabled());
        assertThat(compute.getText()).isEqualTo("Compute");
        assertThat(text("digits-error")).isEqualTo("The service is unavailable for a moment (the job queue is unavailable, "
                + "so no job was created). You can try again now.");
    }

    @Test
    void aRefusalForTheBacklogHoldsComputeForThoseDigitsAloneSoThatOthersMayBeAskedForAtOnce() {
        // GIVEN a service whose backlog refuses a job of 8,000 digits for ten minutes
        front.inject(request -> request.method().equals("POST"), new Fault.Answer(503, "application/json",
                "{\"success\": false, \"error\": \"the jobs queued already keep the workers busy for about 2 hours, so a"
                        + " job of 8000 digits accepted now could not finish within its deadline of about 3 hours; try"
                        + " again in 600 seconds\"}", Map.of("Retry-After", "600")), 1);

        // WHEN a person asks for them
        openPage();
        WebElement digits = browser.findElement(By.id("digits"));
        WebElement compute = browser.findElement(By.id("compute"));
        digits.sendKeys("8000");
        compute.click();

        // THEN Compute waits for those digits
        wait.until(driver -> !text("digits-error").isEmpty());
        assertThat(compute.isEnabled()).isFalse();

        // AND as soon as the person types fewer, they may ask for them
        digits.sendKeys(Keys.BACK_SPACE);
        assertThat(compute.isEnabled()).isTrue();
        assertThat(compute.getText()).isEqualTo("Compute");
        compute.click();
        wait.until(driver -> text("job-state").startsWith("Queued"));
        jobs.add(shownJobId());
    }

    @Test
    void looksAtTheJobThatTheGatewayThrottlesAreToldAsSuchAndMadeLessAndLessOften() {
        // GIVEN a person following a queued job
        followANewQueuedJob(7100);

        // WHEN the page's looks at it get the gateway's answer to requests sent too fast, which
        // tells every client at once to come back in a second
        front.injectAlways(request -> request.method().equals("GET") && request.target().contains("/pi_job/"),
                new Fault.Answer(429, "application/json", "{\"success\": false, \"error\": \"" + GatewayAnswers.THROTTLED
                        + "\"}", Map.of("Retry-After", "1")));

        // THEN the page says the service is busy, not that the person has too many jobs, and backs
        // off as from any failure: a page per watcher asking each second would keep the throttle on
        wait.until(driver -> !text("job-message").isEmpty());
        assertThat(text("job-message")).isEqualTo("The service has more requests than it takes just now. "
                + "The job is not affected; this page asks again in 5 s.");
        wait.until(driver -> text("job-message").endsWith(" in 10 s."));

        // AND once the service answers, the message goes with the next look
        front.heal();
        wait.until(driver -> text("job-message").isEmpty());
        assertThat(text("job-state")).startsWith("Queued");
    }

    @Test
    void looksRefusedForTheRequestsOfThePersonsAddressSaySoAndWaitAsTold() {
        // GIVEN a person following a queued job
        followANewQueuedJob(7200);

        // WHEN the page's looks at it get a deployment's refusal of one address's requests beyond
        // its limit a minute, which tells the client to come back in a minute
        front.injectAlways(request -> request.method().equals("GET") && request.target().contains("/pi_job/"),
                new Fault.Answer(429, "application/json", GatewayAnswers.tooManyFromAddressBody(240),
                        Map.of("Retry-After", "60")));

        // THEN the page says the requests from this address are too many, not everyone's, and waits the minute
        wait.until(driver -> !text("job-message").isEmpty());
        assertThat(text("job-message")).isEqualTo("Requests from this address came faster than the service takes"
                + " from one address (240 a minute), counting this page's and any other page's or program's there."
                + " The job is not affected; this page asks again in 1 min 00 s.");
        front.heal();
    }

    @Test
    void whileTheJobStoreIsDownThePageKeepsTheJobAndAsksAgainWhenTold() throws Exception {
        // GIVEN a person following a queued job
        followANewQueuedJob(7000);

        // WHEN the job store fails
        dynamoDb.injectAlways(request -> request.isDynamoDb("GetItem"), Fault.dynamoDbOutage());
        HttpResponse<String> unavailable = throughFront(HttpRequest.newBuilder(front.endpoint().resolve("/pi_job/" + shownJobId()))
                .build());
        assertThat(unavailable.statusCode()).as(unavailable.body()).isEqualTo(503);
        String retryAfter = unavailable.headers().firstValue("Retry-After").orElseThrow();

        // THEN the page says the job is not affected and when it asks again, and keeps the job on show
        wait.until(driver -> !text("job-message").isEmpty());
        assertThat(text("job-message")).isEqualTo("The service is unavailable for a moment (the job store is unavailable "
                + "right now). The job is not affected; this page asks again in " + retryAfter + " s.");
        assertThat(text("job-state")).startsWith("Queued");
        assertThat(browser.findElement(By.id("cancel")).isDisplayed()).isTrue();

        // AND once the store is back, the message goes with the next poll
        dynamoDb.heal();
        wait.until(driver -> text("job-message").isEmpty());
        assertThat(text("job-state")).startsWith("Queued");
    }

    @Test
    void aCancellationRefusedForAMomentCanBePressedAgainWhenTheServiceSays() throws Exception {
        // GIVEN a person following a queued job, and a job store that cannot record a cancellation
        followANewQueuedJob(7100);
        WebElement cancel = browser.findElement(By.id("cancel"));
        dynamoDb.injectAlways(request -> request.isDynamoDb("UpdateItem"), Fault.dynamoDbOutage());

        // WHEN they press Cancel
        cancel.click();

        // THEN the page says when to press it again, and Cancel counts down to then, whatever the
        // page's looks at the job meanwhile (one a second)
        wait.until(driver -> !text("job-message").isEmpty());
        assertThat(text("job-message")).isEqualTo("The service is unavailable for a moment (the job store is unavailable "
                + "right now). The job was not cancelled; press Cancel again in 5 s.");
        // (from 5 s: any of the last three seconds, each on screen for one, which a stalled look may miss)
        wait.until(driver -> cancel.getText().matches("Cancel \\([1-3] s\\)"));
        assertThat(cancel.isEnabled()).isFalse();

        // AND once the wait is over, Cancel cancels the job
        dynamoDb.heal();
        wait.until(driver -> cancel.isEnabled());
        assertThat(cancel.getText()).isEqualTo("Cancel");
        cancel.click();
        wait.until(driver -> text("job-state").equals("Cancelled."));
    }

    @Test
    void aCancellationWhoseAnswerIsLostIsShownDoneOnceThePageLearnsOfIt() throws Exception {
        // GIVEN a person following a queued job, and a network that loses the service's answer to a cancellation
        followANewQueuedJob(7150);
        front.inject(request -> request.method().equals("DELETE"), Fault.lostAnswer(), 1);

        // WHEN they press Cancel
        browser.findElement(By.id("cancel")).click();

        // THEN the page shows the job cancelled, without a message saying it was not
        wait.until(driver -> text("job-state").equals("Cancelled."));
        assertThat(front.faulted()).hasSize(1);
        assertThat(text("job-message")).isEmpty();
    }

    @Test
    void aPageWhoseLooksAtTheJobKeepFailingAsksLessAndLessOften() throws Exception {
        // GIVEN a person following a queued job
        followANewQueuedJob(7200);

        // WHEN every look at it gets the gateway's timeout, which says nothing of when to ask again
        front.injectAlways(request -> request.method().equals("GET") && request.target().contains("/pi_job/"),
                new Fault.Answer(504, "application/json", "{\"success\": false, \"error\": \"" + GatewayAnswers.TIMED_OUT + "\"}"));

        // THEN the page asks again in 5 s, and then, failing again, in 10 s
        wait.until(driver -> text("job-message").endsWith(" in 5 s."));
        assertThat(text("job-message")).isEqualTo("The service took too long to answer. "
                + "The job is not affected; this page asks again in 5 s.");
        wait.until(driver -> text("job-message").endsWith(" in 10 s."));

        // AND once the service answers, the message goes with the next look
        front.heal();
        wait.until(driver -> text("job-message").isEmpty());
        assertThat(text("job-state")).startsWith("Queued");
    }

    @Test
    void askingAgainAfterTheAnswerWasLostShowsTheJobTheLostRequestStarted() throws Exception {
        // GIVEN a request for digits that reaches the service, whose answer is lost on the way back
        String key = loseTheAnswerToARequestFor(9000);

        // WHEN the person asks again
        WebElement compute = browser.findElement(By.id("compute"));
        wait.until(driver -> compute.isEnabled());
        compute.click();

        // THEN the page follows the job the lost request started, not a second one
        assertTheShownJobIsTheOneStartedWith(key, 9000);
    }

    @Test
    void askingAgainAfterALostAnswerAndAReloadShowsTheJobTheLostRequestStarted() throws Exception {
        // GIVEN a request for digits that reaches the service, whose answer is lost on the way back
        String key = loseTheAnswerToARequestFor(9100);

        // WHEN the person reloads the page and asks for the same digits again
        browser.navigate().refresh();
        wait.until(driver -> text("digits-hint").startsWith("From 1 to"));
        WebElement digits = browser.findElement(By.id("digits"));
        digits.clear();
        digits.sendKeys("9100");
        browser.findElement(By.id("compute")).click();

        // THEN the page follows the job the lost request started, not a second one
        assertTheShownJobIsTheOneStartedWith(key, 9100);
    }

    /** The Idempotency-Key of the request, which the page sent and the service answered. */
    private String loseTheAnswerToARequestFor(int digits) {
        front.inject(request -> request.method().equals("POST") && request.target().endsWith("/pi_job"),
                Fault.lostAnswer(), 1);
        openPage();
        browser.findElement(By.id("digits")).sendKeys(String.valueOf(digits));
        browser.findElement(By.id("compute")).click();
        wait.until(driver -> !text("digits-error").isEmpty());
        assertThat(text("digits-error")).startsWith("The service could not be reached; check your connection.");
        assertThat(browser.findElement(By.id("job")).isDisplayed()).isFalse();
        String key = front.faulted().getFirst().headers().get("idempotency-key");
        assertThat(key).as("the lost request's Idempotency-Key").matches("\"[0-9a-f-]{32,36}\"");
        return key;
    }

    private void assertTheShownJobIsTheOneStartedWith(String key, int digits) throws Exception {
        wait.until(driver -> text("job-state").startsWith("Queued"));
        String shown = shownJobId();
        jobs.add(shown);
        HttpResponse<String> sameKey = throughFront(HttpRequest.newBuilder(front.endpoint().resolve("/pi_job"))
                .header("Content-Type", "application/json").header("Idempotency-Key", key)
                .POST(BodyPublishers.ofString("{\"digits\": " + digits + "}")).build());
        assertThat(sameKey.statusCode()).as(sameKey.body()).isEqualTo(202);
        assertThat(JSON.readTree(sameKey.body()).path("job_id").asText()).isEqualTo(shown);
    }

    /** Last but one: the workers run the jobs still queued, and fill the digit store, which serves small jobs at once. */
    @Test
    @Order(Integer.MAX_VALUE - 1)
    void cancellingAJobThatCompletedMeanwhileSaysItsDigitsAreReady() throws Exception {
        // GIVEN a person following a queued job
        openPage();
        browser.findElement(By.id("digits")).sendKeys("500");
        browser.findElement(By.id("compute")).click();
        WebElement cancel = browser.findElement(By.id("cancel"));
        wait.until(driver -> cancel.isDisplayed());
        String jobId = shownJobId();

        // AND the page's next look at the job is held up on the way, while the job completes
        front.inject(request -> request.method().equals("GET") && request.target().contains("/pi_job/"),
                Fault.hang(Duration.ofMinutes(2)), 1);
        wait.until(driver -> !front.faulted().isEmpty());
        sqs.heal();
        wait.until(driver -> status(jobId).equals("complete"));

        // WHEN they press Cancel
        cancel.click();

        // THEN the page says nothing was cancelled and why, and offers the digits
        wait.until(driver -> text("job-state").equals("Complete."));
        assertThat(text("job-message")).isEqualTo("The job was complete before it could be cancelled, so nothing was "
                + "cancelled: its digits are ready to download and browse below.");
        assertThat(cancel.isDisplayed()).isFalse();
        assertThat(browser.findElement(By.id("download")).getText()).isEqualTo("Download pi-500.txt");
    }

    /** Last: the digit store the test before filled serves this job at once. */
    @Test
    @Order(Integer.MAX_VALUE)
    void aDownloadTheServiceCannotGiveSaysWhyOnThePage() throws Exception {
        // GIVEN a person shown a complete job
        openPage();
        browser.findElement(By.id("digits")).sendKeys("400");
        browser.findElement(By.id("compute")).click();
        wait.until(driver -> text("job-state").startsWith("Complete"));
        String jobId = shownJobId();
        WebElement download = browser.findElement(By.id("download"));
        WebElement viewer = browser.findElement(By.id("viewer"));
        wait.until(driver -> viewer.isDisplayed());

        // WHEN they press Download while the job store is down
        dynamoDb.injectAlways(request -> request.isDynamoDb("GetItem"), Fault.dynamoDbOutage());
        download.click();

        // THEN the page says so, and when to press it again
        wait.until(driver -> !text("job-message").isEmpty());
        assertThat(text("job-message")).isEqualTo("The service is unavailable for a moment (the job store is unavailable "
                + "right now). Press Download again in 5 s.");

        // AND WHEN the job's record is gone (its results expired meanwhile) and they press it again
        dynamoDb.heal();
        try (AwsClients clients = AwsClients.fromSettings(serviceSettings)) {
            String table = clients.dynamoDb().listTables().tableNames().getFirst(); // the run's one table
            clients.dynamoDb().deleteItem(delete -> delete.tableName(table)
                    .key(Map.of(Storage.TABLE_KEY, AttributeValue.fromS(jobId))));
        }
        download.click();

        // THEN the page says the job is gone, rather than leaving for the service's error, and
        // no longer offers its digits
        wait.until(driver -> text("job-state").equals("No such job."));
        assertThat(text("job-message")).startsWith("This job does not exist: its results have expired");
        assertThat(browser.getCurrentUrl()).contains("/app");
        assertThat(viewer.isDisplayed()).isFalse();
    }

    /** Opens the page and asks for {@code digits}, which stay queued; the job is cancelled after the test. */
    private void followANewQueuedJob(int digits) {
        openPage();
        browser.findElement(By.id("digits")).sendKeys(String.valueOf(digits));
        browser.findElement(By.id("compute")).click();
        wait.until(driver -> text("job-state").startsWith("Queued"));
        jobs.add(shownJobId());
    }

    private void openPage() {
        browser.get(front.endpoint().resolve("/app").toString());
        wait.until(driver -> text("digits-hint").startsWith("From 1 to"));
    }

    /** A job asked for through the front proxy, as the browser's client. */
    private static HttpResponse<String> submit(int digits) throws Exception {
        return throughFront(HttpRequest.newBuilder(front.endpoint().resolve("/pi_job"))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"digits\": " + digits + "}")).build());
    }

    /** On a connection of its own: the proxy closes each one after its answer. */
    private static HttpResponse<String> throughFront(HttpRequest request) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(request, BodyHandlers.ofString());
        }
    }

    /** The job's state, asked past the front proxy. */
    private String status(String jobId) {
        try {
            JsonNode status = JSON.readTree(http.send(HttpRequest.newBuilder(run.uri().resolve("/pi_job/" + jobId)).build(),
                    BodyHandlers.ofString()).body());
            return status.path("status").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String shownJobId() {
        return browser.getCurrentUrl().replaceAll(".*[?&]job=([^&]+).*", "$1");
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }
}
