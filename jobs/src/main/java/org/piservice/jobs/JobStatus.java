package org.piservice.jobs;

/** A job's state, under the names pi_iaas's clients already know. */
public enum JobStatus {
    QUEUED("queued"),
    IN_PROGRESS("In-progress"),
    COMPLETE("complete"),
    FAILED("failed"),
    /** Stopped at its client's request; like complete and failed, it never changes again. */
    CANCELLED("cancelled");

    private final String wireName;

    JobStatus(String wireName) {
        this.wireName = wireName;
    }

    /** The status string of the public API and of the table. */
    public String wireName() {
        return wireName;
    }

    /** Complete, failed and cancelled are final: no transition leaves them. */
    public boolean isFinal() {
        return this == COMPLETE || this == FAILED || this == CANCELLED;
    }

    public static JobStatus fromWireName(String name) {
        for (JobStatus status : values()) {
            if (status.wireName.equals(name)) {
                return status;
            }
        }
        throw new IllegalArgumentException("Unknown job status '" + name + "'");
    }
}
