package org.piservice.jobs;

/**
 * The fields by which every function's log lines and metric lines name the job and the queue
 * message they are about: one Logs Insights query (docs/OPERATIONS.md) finds a job's lines in the
 * logs of all of them.
 */
public final class LogFields {

    public static final String JOB_ID = "job_id";
    public static final String MESSAGE_ID = "message_id";

    private LogFields() {
    }
}
