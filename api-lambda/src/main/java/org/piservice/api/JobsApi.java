package org.piservice.api;

import static software.amazon.lambda.powertools.logging.argument.StructuredArguments.entry;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.ServiceMetrics;
import org.piservice.jobs.Backlog;
import org.piservice.jobs.EmfMetrics;
import org.piservice.jobs.Job;
import org.piservice.jobs.JobId;
import org.piservice.jobs.JobRepository;
import org.piservice.jobs.JobStatus;
import org.piservice.jobs.JobSubmission;
import org.piservice.jobs.LogFields;
import org.piservice.jobs.ResultStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The job routes of the API (pi_iaas's three): start a job, tell its state, hand out its result.
 * The work is the jobs module's ({@link JobSubmission}, {@link JobRepository}, {@link ResultStore});
 * this class turns its outcomes into HTTP answers. A job that could not be queued (and was
 * withdrawn), or could not finish before its deadline behind the jobs queued already, gets 503.
 * Refusals are counted as metrics too, for the alarm that says the workers cannot keep up.
 *
 * <p>Ids that this service could not have issued are answered "does not exist" without a read, so
 * no path a client makes up reaches the table as a key.
 *
 * <p>Log lines about a job carry its {@code job_id} (MDC), the AWS SDK's warnings included.
 */
final class JobsApi implements PiApi.Routes {

    private static final Logger LOG = LoggerFactory.getLogger(JobsApi.class);
    private static final String JOB_STORE_UNAVAILABLE = "the job store is unavailable right now";

    /** A client over its quota waits for one of its jobs to end: seconds for small jobs, minutes for large. */
    private static final String OVER_QUOTA_RETRY_AFTER_SECONDS = "30";

    private final JobRepository jobs;
    private final JobSubmission submission;
    private final ResultStore results;
    private final JobRequestReader reader;
    private final EmfMetrics metrics;
    private final Clock clock;

    JobsApi(JobRepository jobs, JobSubmission submission, ResultStore results, int maxDigits, EmfMetrics metrics,
            Clock clock) {
        this.jobs = jobs;
        this.submission = submission;
        this.results = results;
        this.reader = new JobRequestReader(maxDigits);
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public void addRoutes(Router router) {
        router.add("POST", "/pi_job", (request, parameters) -> create(request));
        router.add("GET", "/pi_job/{job_id}",
                (request, parameters) -> aboutJob(parameters.get("job_id"), jobId -> status(request, jobId)));
        router.add("GET", "/download_pi_job/{job_id}",
                (request, parameters) -> aboutJob(parameters.get("job_id"), jobId -> download(request, jobId)));
        router.add("DELETE", "/pi_job/{job_id}",
                (request, parameters) -> aboutJob(parameters.get("job_id"), this::cancel));
    }

    /**
     * Runs {@code route} with the job's id, in the form the service issues, on every line it logs.
     * What is no id at all names no job and is not logged as one: the request line has it, cut short.
     */
    private static ApiResponse aboutJob(String asked, Function<String, ApiResponse> route) {
        String jobId = JobId.canonical(asked);
        if (!JobId.isWellFormed(jobId)) {
            return route.apply(jobId);
        }
        try (MDC.MDCCloseable logged = MDC.putCloseable(LogFields.JOB_ID, jobId)) {
            return route.apply(jobId);
        }
    }

    /** The body of a 202: pi_iaas's {@code {"success": true, "job_id": ...}}. */
    record Created(boolean success, String jobId) {
    }

    /** The body of {@code GET /pi_job/{job_id}}; fields that do not apply to the job's state are left out. */
    record Status(boolean success, String jobId, int digits, String status, String timeElapsed, String createdAt,
                  Double progress, String error, String download) {
    }

    /** The body of a successful {@code DELETE /pi_job/{job_id}}. */
    record Cancelled(boolean success, String jobId, String status) {
    }

    private ApiResponse create(ApiRequest request) {
        int digits = reader.digits(request);
        JobSubmission.Outcome outcome = submission.submit(
                new JobSubmission.Request(digits, request.client(), reader.idempotencyKey(request)));
        return aboutJob(outcome.jobId(), jobId -> switch (outcome) {
            case JobSubmission.Repeated repeated -> {
                LOG.info("job asked for again with its idempotency key {}", entry("digits", digits));
                yield accepted(request, jobId);
            }
            case JobSubmission.KeyInFlight inFlight -> throw new ApiException(409, ApiResponse.ErrorBody.of(
                    "a request with this Idempotency-Key is still being answered; send it again in a moment"),
                    Map.of("Retry-After", "1"));
            case JobSubmission.KeyMismatch mismatch -> throw new ApiException(422, ApiResponse.ErrorBody.of(
                    "this Idempotency-Key was used for a request for " + mismatch.usedForDigits()
                            + " digits; use a new key for a different request"), Map.of());
            case JobSubmission.OverQuota over -> {
                LOG.info("job refused: its client is at its limit {} {}", entry("digits", digits),
                        entry("limit", over.limit()));
                metrics.jobRefused(jobId, ServiceMetrics.JOBS_REFUSED_OVER_QUOTA);
                throw new ApiException(429, ApiResponse.ErrorBody.overQuota(over.limit(), "you have " + over.limit()
                        + " unfinished jobs that need computing, the most one client may have; try again once one"
                        + " of them is complete (or cancel one)"), Map.of("Retry-After", OVER_QUOTA_RETRY_AFTER_SECONDS));
            }
            case JobSubmission.OverDigitBudget over -> {
                long retryAfter = retryAfterSeconds(Duration.between(clock.instant(), over.nextDay()));
                LOG.info("job refused: its client has asked for the digits it may today {} {}", entry("digits", digits),
                        entry("limit", over.limit()));
                metrics.jobRefused(jobId, ServiceMetrics.JOBS_REFUSED_OVER_DIGIT_BUDGET);
                throw new ApiException(429, ApiResponse.ErrorBody.overDigitBudget(over.limit(), String.format(Locale.ROOT,
                        "with these %,d digits your jobs today (UTC) would ask for more than %,d, the most one client"
                                + " may in a day; ask for fewer, cancel a job of yours that has not started (its digits"
                                + " count no more), or try again after midnight UTC, in %s",
                        digits, over.limit(), about(Duration.ofSeconds(retryAfter)))),
                        Map.of("Retry-After", Long.toString(retryAfter)));
            }
            case JobSubmission.Backlogged backlogged -> {
                Backlog.Overload overload = backlogged.overload();
                long retryAfter = retryAfterSeconds(overload.retryAfter());
                LOG.warn("job refused: the backlog would keep it from finishing before its deadline {} {}",
                        entry("digits", digits), entry("starts_after_seconds", overload.startsAfter().toSeconds()));
                metrics.jobRefused(jobId, ServiceMetrics.JOBS_REFUSED_BACKLOG);
                throw new ApiException(503, ApiResponse.ErrorBody.of("the jobs queued already keep the workers busy for"
                        + " about " + about(overload.startsAfter()) + ", so a job of " + digits + " digits accepted now"
                        + " could not finish within its deadline of " + about(overload.deadline()) + "; try again in "
                        + retryAfter + " seconds"), Map.of("Retry-After", Long.toString(retryAfter)));
            }
            case JobSubmission.Served served -> {
                LOG.info("job created {} {}", entry("digits", digits), entry("served_from_store", true));
                yield accepted(request, jobId);
            }
            case JobSubmission.Accepted accepted -> {
                LOG.info("job created {}", entry("digits", digits));
                yield accepted(request, jobId);
            }
            case JobSubmission.NotRecorded notRecorded ->
                    throw ApiException.unavailableOr(notRecorded.cause(), "the job store is unavailable, so no job was created");
            case JobSubmission.NotQueued notQueued ->
                    throw ApiException.unavailableOr(notQueued.cause(), "the job queue is unavailable, so no job was created");
        });
    }

    /** {@code Retry-After} for a wait of {@code span}: whole seconds, rounded up, so that a client that waits them is not early. */
    private static long retryAfterSeconds(Duration span) {
        return Math.max(1, (span.toMillis() + 999) / 1000);
    }

    /** A span as people say it: minutes from two minutes on, seconds below. */
    private static String about(Duration span) {
        return span.compareTo(Duration.ofMinutes(2)) < 0 ? span.toSeconds() + " seconds" : span.toMinutes() + " minutes";
    }

    private static ApiResponse accepted(ApiRequest request, String jobId) {
        return ApiResponse.json(202, new Created(true, jobId), Map.of("Location", request.basePath() + "/pi_job/" + jobId));
    }

    private ApiResponse status(ApiRequest request, String jobId) {
        Job job = existing(jobId);
        JobStatus status = job.status();
        Double progress = switch (status) {
            case QUEUED -> 0.0;
            case IN_PROGRESS -> job.progress() == null ? 0.0 : job.progress();
            case COMPLETE -> 1.0;
            case FAILED, CANCELLED -> null;
        };
        return ApiResponse.json(200, new Status(true, jobId, job.digits(), status.wireName(),
                job.elapsed(clock.instant()).toSeconds() + " seconds",
                job.createdAt().toString(),
                progress,
                status == JobStatus.FAILED ? job.errorMessage().orElse("unknown reason") : null,
                status == JobStatus.COMPLETE ? request.basePath() + "/download_pi_job/" + jobId : null));
    }

    private ApiResponse download(ApiRequest request, String jobId) {
        Job job = existing(jobId);
        switch (job.status()) {
            case COMPLETE -> {
                String url = ApiException.unavailableIfTransient(
                        () -> (request.isHead() ? results.headUrl(job.resultKey(), job.digits())
                                : results.downloadUrl(job.resultKey(), job.digits())).toString(),
                        "the result store is unavailable right now");
                return new ApiResponse(302, Map.of("Location", url, "Cache-Control", "no-store"), null);
            }
            case FAILED -> throw new ApiException(409, ApiResponse.ErrorBody.ofJob(jobId, job.status().wireName(),
                    "Job failed, so there is no result to download: " + job.errorMessage().orElse("unknown reason")), Map.of());
            case CANCELLED -> throw new ApiException(409, ApiResponse.ErrorBody.ofJob(jobId, job.status().wireName(),
                    "Job was cancelled, so there is no result to download"), Map.of());
            default -> throw new ApiException(409, ApiResponse.ErrorBody.ofJob(jobId, job.status().wireName(),
                    "Job is not complete yet (status " + job.status().wireName() + "); download it once GET "
                            + request.basePath() + "/pi_job/" + jobId + " says complete"), Map.of());
        }
    }

    /**
     * Stops a job that is queued or running. Cancelling a cancelled job again is no error (DELETE
     * is idempotent); a job that has ended otherwise keeps its outcome and gets 409.
     */
    private ApiResponse cancel(String jobId) {
        existing(jobId);
        Optional<Job> cancelled = ApiException.unavailableIfTransient(() -> jobs.cancel(jobId), JOB_STORE_UNAVAILABLE);
        JobStatus status = cancelled.map(Job::status).orElseGet(() -> existing(jobId).status());
        if (status != JobStatus.CANCELLED) {
            throw new ApiException(409, ApiResponse.ErrorBody.ofJob(jobId, status.wireName(),
                    "Job is " + status.wireName() + " already, so it cannot be cancelled"), Map.of());
        }
        if (cancelled.isPresent()) {
            LOG.info("job cancelled");
        }
        return ApiResponse.json(200, new Cancelled(true, jobId, status.wireName()));
    }

    /**
     * The job, or 404 that echoes the id asked for (a UUID in lower case), whatever its shape
     * (pi_iaas did), shortened as every echo is. A record past its expiry is gone as far as clients are concerned: DynamoDB
     * deletes it only eventually, and its result may be deleted already.
     */
    private Job existing(String jobId) {
        ApiException doesNotExist = new ApiException(404,
                ApiResponse.ErrorBody.ofJob(ApiException.echo(jobId), null, "Job does not exist"), Map.of());
        if (!JobId.isWellFormed(jobId)) {
            throw doesNotExist;
        }
        Optional<Job> job = ApiException.unavailableIfTransient(() -> jobs.find(jobId), JOB_STORE_UNAVAILABLE);
        Job found = job.filter(it -> !it.expired(clock.instant())).orElseThrow(() -> doesNotExist);
        return found.status().isFinal() || !found.isOverdue(clock.instant()) ? found
                : failedAtDeadline(found).orElseThrow(() -> doesNotExist);
    }

    /**
     * An open job past its deadline, failed on sight: no client sees a job open past its deadline,
     * even while the sweeper does not run. One that a live worker holds is left to that worker,
     * which may be completing it, until the sweeper's next run fails it whoever holds it.
     *
     * @return the job as it is now; empty when it is gone
     */
    private Optional<Job> failedAtDeadline(Job job) {
        try {
            jobs.failOverdueUnheld(job, JobDelivery.STALE_AFTER);
        } catch (SdkException e) {
            LOG.warn("could not fail a job past its deadline; the sweeper will", e);
            return Optional.of(job);
        }
        // as it is now: failed, held by its worker, or ended by it meanwhile
        return ApiException.unavailableIfTransient(() -> jobs.find(job.jobId()), JOB_STORE_UNAVAILABLE);
    }
}
