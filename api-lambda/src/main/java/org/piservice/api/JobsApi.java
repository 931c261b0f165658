package org.piservice.api;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.piservice.jobs.DigitStore;
import org.piservice.jobs.Job;
import org.piservice.jobs.JobId;
import org.piservice.jobs.JobMessage;
import org.piservice.jobs.JobRepository;
import org.piservice.jobs.JobStatus;
import org.piservice.jobs.JsonLog;
import org.piservice.jobs.ResultStore;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The job routes of the API (pi_iaas's three): start a job, tell its state, hand out its result.
 *
 * <p>A job is recorded before it is queued, so a worker never gets a message for a job the table
 * does not know. When queueing fails the record is deleted again and the client gets 503: an id it
 * was never given must not linger as a job that stays queued forever.
 *
 * <p>Ids that this service could not have issued are answered "does not exist" without a read, so
 * no path a client makes up reaches the table as a key.
 */
final class JobsApi implements PiApi.Routes {

    private static final String RETRY_AFTER_SECONDS = "5";

    private final JobRepository jobs;
    private final SqsClient sqs;
    private final String queueUrl;
    private final ResultStore results;
    private final DigitStore store;
    private final JobRequestReader reader;
    private final Clock clock;

    JobsApi(JobRepository jobs, SqsClient sqs, String queueUrl, ResultStore results, DigitStore store, int maxDigits,
            Clock clock) {
        this.jobs = jobs;
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.results = results;
        this.store = store;
        this.reader = new JobRequestReader(maxDigits);
        this.clock = clock;
    }

    @Override
    public void addRoutes(Router router) {
        router.add("POST", "/pi_job", (request, parameters) -> create(request));
        router.add("GET", "/pi_job/{job_id}", (request, parameters) -> status(request, parameters.get("job_id")));
        router.add("GET", "/download_pi_job/{job_id}", (request, parameters) -> download(request, parameters.get("job_id")));
    }

    /** The body of a 202: pi_iaas's {@code {"success": true, "job_id": ...}}. */
    record Created(boolean success, String jobId) {
    }

    /** The body of {@code GET /pi_job/{job_id}}; fields that do not apply to the job's state are left out. */
    record Status(boolean success, String jobId, int digits, String status, String timeElapsed, String createdAt,
                  Double progress, String error, String download) {
    }

    private ApiResponse create(ApiRequest request) {
        int digits = reader.digits(request);
        String jobId = JobId.newId();
        Map<String, Object> log = logFields(request, jobId);
        log.put("digits", digits);
        if (completeFromStore(jobId, digits, log)) {
            return accepted(request, jobId);
        }
        unavailableIfTransient(() -> jobs.create(jobId, digits), "the job store is unavailable, so no job was created", log);
        try {
            String body = new JobMessage(jobId, digits).toJson();
            sqs.sendMessage(send -> send.queueUrl(queueUrl).messageBody(body));
        } catch (RuntimeException e) {
            if (!withdraw(jobId, log)) {
                // A worker has the job: the message got through although the send reported a failure.
                JsonLog.STDOUT.info("job created", log);
                return accepted(request, jobId);
            }
            throw unavailableOr(e, "the job queue is unavailable, so no job was created", log);
        }
        JsonLog.STDOUT.info("job created", log);
        return accepted(request, jobId);
    }

    /**
     * Records the job complete at once when the digit store holds its digits: its result is a copy
     * of the store's prefix, made inside S3, and no worker hears of it. Should the store be
     * unreachable, the job is simply queued and computed (or served by the worker).
     */
    private boolean completeFromStore(String jobId, int digits, Map<String, Object> log) {
        try {
            if (!store.copyPrefix(digits, ResultStore.resultKey(jobId, digits))) {
                return false;
            }
            jobs.createComplete(jobId, digits, ResultStore.resultKey(jobId, digits));
        } catch (SdkException e) {
            JsonLog.STDOUT.error("the digit store could not serve the job; it is queued instead", log, e);
            return false;
        }
        log.put("served_from_store", true);
        JsonLog.STDOUT.info("job created", log);
        return true;
    }

    private static ApiResponse accepted(ApiRequest request, String jobId) {
        return ApiResponse.json(202, new Created(true, jobId),
                Map.of("Location", request.basePath() + "/pi_job/" + jobId));
    }

    /** Deletes a job that could not be queued; false if a worker has claimed it after all. */
    private boolean withdraw(String jobId, Map<String, Object> log) {
        try {
            return jobs.deleteIfQueued(jobId) || jobs.find(jobId).isEmpty();
        } catch (RuntimeException e) {
            // It stays queued until its TTL; no client was given its id, so no one waits for it.
            JsonLog.STDOUT.error("could not delete a job whose message was not sent", log, e);
            return true;
        }
    }

    private ApiResponse status(ApiRequest request, String jobId) {
        Job job = existing(request, jobId);
        JobStatus status = job.status();
        Double progress = switch (status) {
            case QUEUED -> 0.0;
            case IN_PROGRESS -> job.progress() == null ? 0.0 : job.progress();
            case COMPLETE -> 1.0;
            case FAILED -> null;
        };
        return ApiResponse.json(200, new Status(true, jobId, job.digits(), status.wireName(),
                job.elapsed(clock.instant()).toSeconds() + " seconds",
                job.createdAt().toString(),
                progress,
                status == JobStatus.FAILED ? job.errorMessage().orElse("unknown reason") : null,
                status == JobStatus.COMPLETE ? request.basePath() + "/download_pi_job/" + jobId : null));
    }

    private ApiResponse download(ApiRequest request, String jobId) {
        Job job = existing(request, jobId);
        switch (job.status()) {
            case COMPLETE -> {
                String url = unavailableIfTransient(() -> results.downloadUrl(job.resultKey(), job.digits()).toString(),
                        "the result store is unavailable right now", logFields(request, jobId));
                return new ApiResponse(302, Map.of("Location", url, "Cache-Control", "no-store"), null);
            }
            case FAILED -> throw new ApiException(409, ApiResponse.ErrorBody.ofJob(jobId, job.status().wireName(),
                    "Job failed, so there is no result to download: " + job.errorMessage().orElse("unknown reason")), Map.of());
            default -> throw new ApiException(409, ApiResponse.ErrorBody.ofJob(jobId, job.status().wireName(),
                    "Job is not complete yet (status " + job.status().wireName() + "); download it once GET "
                            + request.basePath() + "/pi_job/" + jobId + " says complete"), Map.of());
        }
    }

    private Job existing(ApiRequest request, String jobId) {
        if (!JobId.isWellFormed(jobId)) {
            throw new ApiException(404, ApiResponse.ErrorBody.of("Job does not exist"), Map.of());
        }
        Optional<Job> job = unavailableIfTransient(() -> jobs.find(jobId), "the job store is unavailable right now",
                logFields(request, jobId));
        return job.orElseThrow(() -> new ApiException(404,
                ApiResponse.ErrorBody.ofJob(jobId, null, "Job does not exist"), Map.of()));
    }

    private static <T> T unavailableIfTransient(Supplier<T> call, String problem, Map<String, Object> log) {
        try {
            return call.get();
        } catch (SdkException e) {
            throw unavailableOr(e, problem, log);
        }
    }

    /**
     * 503 for what a retry may cure (no connection, throttling, a 5xx from AWS); anything else (a
     * missing table, denied access) is a fault of the deployment and goes on to become a logged 500.
     */
    private static RuntimeException unavailableOr(RuntimeException e, String problem, Map<String, Object> log) {
        boolean transientFailure = e instanceof SdkClientException
                || e instanceof AwsServiceException service && (service.isThrottlingException() || service.statusCode() >= 500);
        if (!transientFailure) {
            return e;
        }
        JsonLog.STDOUT.error(problem, log, e);
        return new ApiException(503, ApiResponse.ErrorBody.of(problem + "; try again in a few seconds"),
                Map.of("Retry-After", RETRY_AFTER_SECONDS));
    }

    private static Map<String, Object> logFields(ApiRequest request, String jobId) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("request_id", request.requestId());
        fields.put("job_id", jobId);
        return fields;
    }
}
