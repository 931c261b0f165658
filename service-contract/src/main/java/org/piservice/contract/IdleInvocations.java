package org.piservice.contract;

/**
 * The events each function SnapStart restores is sent once a day, so that its published version
 * stays Active (infra-cdk's {@code JavaFunctions.keepActive}): events its handler answers without
 * any work, as Lambda's Java runtime reads them.
 */
public final class IdleInvocations {

    /** A queue consumer's (the worker's, the dead-letter queue's): a batch of no messages. */
    public static final String NO_MESSAGES = "{\"Records\": []}";
    /** The api's: API Gateway's event for the docs page, which reads nothing. */
    public static final String DOCS_PAGE = "{\"httpMethod\": \"GET\", \"path\": \"/\"}";

    private IdleInvocations() {
    }
}
