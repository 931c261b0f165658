package org.piservice.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * The queue message that asks a worker to compute a job: {@code {"job_id": "...", "digits": N}}.
 * The table is the truth about the job; the digits travel along so that a worker can check the
 * message against the record it claims.
 */
public record JobMessage(String jobId, int digits) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public JobMessage {
        if (!JobId.isWellFormed(jobId)) {
            throw new InvalidMessageException("job_id is not a job id: " + jobId);
        }
        if (digits < 1) {
            // the id is a job's by now, so a consumer can still fail that job
            throw new InvalidMessageException("digits must be at least 1, got " + digits, jobId);
        }
    }

    public String toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("job_id", jobId);
        node.put("digits", digits);
        return node.toString();
    }

    /**
     * Reads a message body, accepting only a JSON object with a well-formed {@code job_id} string
     * and a positive integer {@code digits}; other fields are ignored, so that a newer sender can
     * add some.
     *
     * @throws InvalidMessageException saying what is wrong with the body
     */
    public static JobMessage parse(String body) {
        if (body == null || body.isBlank()) {
            throw new InvalidMessageException("the message body is empty");
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new InvalidMessageException("the message body is not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new InvalidMessageException("the message body is not a JSON object");
        }
        JsonNode jobId = node.get("job_id");
        if (jobId == null || !jobId.isTextual()) {
            throw new InvalidMessageException("job_id is missing or not a string");
        }
        if (!JobId.isWellFormed(jobId.textValue())) {
            throw new InvalidMessageException("job_id is not a job id: " + jobId.textValue());
        }
        JsonNode digits = node.get("digits");
        if (digits == null || !digits.isIntegralNumber() || !digits.canConvertToInt()) {
            throw new InvalidMessageException("digits is missing or not a whole number that fits an int",
                    jobId.textValue());
        }
        return new JobMessage(jobId.textValue(), digits.intValue());
    }

    /** A message that no retry can make valid. */
    public static final class InvalidMessageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        private final String jobId;

        public InvalidMessageException(String message) {
            this(message, null);
        }

        /** For a message that names a well-formed job id but is wrong otherwise. */
        public InvalidMessageException(String message, String jobId) {
            super(message);
            this.jobId = jobId;
        }

        /** The job the message was meant for, when it says so clearly enough. */
        public Optional<String> jobId() {
            return Optional.ofNullable(jobId);
        }
    }
}
