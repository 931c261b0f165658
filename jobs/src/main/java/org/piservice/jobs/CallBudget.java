package org.piservice.jobs;

import java.time.Duration;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;

/**
 * How long one AWS call may take, retries included, so that a throttled or hung dependency costs
 * a function a known slice of its time instead of all of it. Within a {@link CallDeadline} a call
 * gets no more than the time left.
 *
 * @param attemptTimeout one HTTP attempt
 * @param callTimeout the whole call, every attempt and the backoff between them
 * @param maxAttempts attempts in all (the SDK's standard retry mode, with its jittered backoff)
 */
public record CallBudget(Duration attemptTimeout, Duration callTimeout, int maxAttempts) {

    public CallBudget {
        if (attemptTimeout.compareTo(callTimeout) > 0 || maxAttempts < 1) {
            throw new IllegalArgumentException("An attempt must fit in the call and there must be one: " + attemptTimeout
                    + ", " + callTimeout + ", " + maxAttempts);
        }
    }

    /** This budget with each timeout {@code factor} times as long, for services slower than AWS's own. */
    public CallBudget times(int factor) {
        return new CallBudget(attemptTimeout.multipliedBy(factor), callTimeout.multipliedBy(factor), maxAttempts);
    }

    ClientOverrideConfiguration.Builder applyTo(ClientOverrideConfiguration.Builder override) {
        return override.apiCallAttemptTimeout(attemptTimeout).apiCallTimeout(callTimeout)
                .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(maxAttempts).build())
                .addExecutionInterceptor(CallDeadline.interceptor(this));
    }

    /**
     * One budget per service a function calls; a service without one keeps the SDK's defaults.
     *
     * @param dynamoDb job records and the digit store's item
     * @param sqs the job queue
     * @param s3 result objects (an attempt may carry a whole upload part)
     */
    public record PerService(CallBudget dynamoDb, CallBudget sqs, CallBudget s3) {

        /** The SDK's own timeouts (none) and retries. */
        public static final PerService SDK_DEFAULTS = new PerService(null, null, null);

        /** Each service's budget {@code factor} times as long ({@link CallBudget#times}); the SDK's defaults stay. */
        public PerService times(int factor) {
            return new PerService(times(dynamoDb, factor), times(sqs, factor), times(s3, factor));
        }

        private static CallBudget times(CallBudget budget, int factor) {
            return budget == null ? null : budget.times(factor);
        }
    }
}
