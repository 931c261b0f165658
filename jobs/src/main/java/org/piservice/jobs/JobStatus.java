package org.piservice.jobs;

/** A job's state, under the names pi_iaas's clients already know. */
public enum JobStatus {
    QUEUED("queued"),
    IN_PROGRESS("In-progress"),
    COMPLETE("complete"),
    FAILED("failed");

    private final String wireName;

    JobStatus(String wireName) {
        this.wireName = wireName;
    }

    /** The status string of the public API and of the table. */
    public String wireName() {
        return wireName;
    }

    /** Complete and failed are final: no transition leaves them. */
    public boolean isFinal() {
        return this == COMPLETE || this == FAILED;
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
