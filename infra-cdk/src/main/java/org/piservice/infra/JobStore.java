package org.piservice.infra;

import java.util.List;
import org.piservice.contract.Cors;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.Storage;
import software.amazon.awscdk.CfnElement;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexProps;
import software.amazon.awscdk.services.dynamodb.ProjectionType;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.CorsRule;
import software.amazon.awscdk.services.s3.HttpMethods;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.sqs.DeadLetterQueue;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;

/**
 * Where jobs live: the table of job records, the queue that hands jobs to the worker with its
 * dead-letter queue, and the bucket of results. Everything here is state; the functions come and go.
 */
final class JobStore {

    /**
     * Results outlive their job records by this much: DynamoDB deletes expired items only within a
     * few days of their TTL, and a record that still says complete must still have its result.
     */
    static final int RESULT_GRACE_DAYS = 2;

    private final Table table;
    private final Queue deadLetterQueue;
    private final Queue queue;
    private final Bucket bucket;

    /** Adds the resources to {@code stack} itself (see {@link PiServiceStack} for why). */
    JobStore(Stack stack, ServiceSettings settings) {
        table = Table.Builder.create(stack, "JobTable")
                .partitionKey(Attribute.builder().name(Storage.TABLE_KEY).type(AttributeType.STRING).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .timeToLiveAttribute(Storage.TTL_ATTRIBUTE)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                        .pointInTimeRecoveryEnabled(true).build())
                .encryption(TableEncryption.AWS_MANAGED)
                // Job records are worth nothing without the results, which expire within days anyway; the
                // digit store's item only points to an object of the bucket, and a new table starts a new store beside it.
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        // The open jobs alone (the attribute is removed when a job ends), in deadline order, for the sweeper.
        table.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                .indexName(Storage.PENDING_INDEX)
                .partitionKey(Attribute.builder().name(Storage.PENDING_ATTRIBUTE).type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name(Storage.DEADLINE_ATTRIBUTE).type(AttributeType.NUMBER).build())
                .projectionType(ProjectionType.ALL)
                .build());

        deadLetterQueue = Queue.Builder.create(stack, "JobDeadLetterQueue")
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .visibilityTimeout(Duration.seconds(JobDelivery.DEAD_LETTER_VISIBILITY_TIMEOUT.toSeconds()))
                .retentionPeriod(Duration.days(JobDelivery.QUEUE_RETENTION_DAYS))
                .build();
        queue = Queue.Builder.create(stack, "JobQueue")
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .visibilityTimeout(Duration.seconds(settings.visibilityTimeoutSeconds()))
                // SQS's longest: a message outlives its job's deadline by far, so no job loses its message to age
                .retentionPeriod(Duration.days(JobDelivery.QUEUE_RETENTION_DAYS))
                .deadLetterQueue(DeadLetterQueue.builder().queue(deadLetterQueue).maxReceiveCount(JobDelivery.MAX_RECEIVE_COUNT).build())
                .build();

        bucket = Bucket.Builder.create(stack, "ResultBucket")
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .enforceSsl(true)
                .encryption(BucketEncryption.S3_MANAGED)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .lifecycleRules(List.of(
                        LifecycleRule.builder()
                                .id("expire-results")
                                .prefix(Storage.RESULT_PREFIX)
                                .expiration(Duration.days(settings.jobTtlDays() + RESULT_GRACE_DAYS))
                                .build(),
                        // A worker that dies mid-upload, of a result or of a longer digit store, leaves
                        // parts that are billed until aborted.
                        LifecycleRule.builder()
                                .id("abort-incomplete-uploads")
                                .abortIncompleteMultipartUploadAfter(Duration.days(1))
                                .build()))
                // A browser script that follows the API's redirect to a presigned link may read the file
                // and its name (local-emulators gives its S3 the same rule).
                .cors(List.of(CorsRule.builder()
                        .allowedMethods(Cors.RESULT_METHODS.stream().map(HttpMethods::valueOf).toList())
                        .allowedOrigins(List.of(Cors.ALLOWED_ORIGIN))
                        .exposedHeaders(Cors.RESULT_EXPOSED_HEADERS)
                        .maxAge(Cors.MAX_AGE_SECONDS)
                        .build()))
                // Kept even when empty: CloudFormation cannot delete a bucket that holds objects, and an empty one
                // costs nothing; the README says how to remove it.
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        Acknowledge.rule(bucket, "AwsSolutions-S1",
                "Objects are only read through short-lived presigned links that the API hands out, and each hand-out is in the"
                        + " API access log; the objects are public data (digits of pi) that expire within days, so a second bucket"
                        + " of server access logs would add cost without adding an audit trail.");
    }

    /** Lets {@code role} do {@code actions} on the job records (the table itself, not its indexes). */
    void allowJobRecords(Role role, String sid, List<String> actions) {
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid(sid)
                .actions(actions)
                .resources(List.of(table.getTableArn()))
                .build());
    }

    /**
     * Lets {@code role} list the bucket: without it S3 answers a missing object with 403, not 404,
     * and a function could not tell an object that is not there (a result still to compute, a digit
     * store replaced meanwhile) from one it may not read. A prefix condition cannot narrow it: a HEAD
     * or GET request carries no s3:prefix, so the condition would never hold for it. The worker also
     * lists the digit store's objects, for digits a computation left without storing them.
     */
    void allowTellingMissingObjects(Role role) {
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("TellMissingObjects")
                .actions(List.of("s3:ListBucket"))
                .resources(List.of(bucket.getBucketArn()))
                .build());
    }

    /** Lets {@code role} read the open jobs from their index (the sweeper's work, the api's backlog). */
    void allowOpenJobs(Role role, String sid) {
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid(sid)
                .actions(List.of("dynamodb:Query"))
                .resources(List.of(table.getTableArn() + "/index/" + Storage.PENDING_INDEX))
                .build());
    }

    /**
     * Lets {@code role} do {@code actions} on the objects under {@code prefixes} (result objects,
     * the digit store's), and no other object of the bucket.
     *
     * @param use what the function does with them, for the reason cdk-nag is given for the wildcard
     */
    void allowObjects(Role role, String sid, List<String> actions, List<String> prefixes, String use) {
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid(sid)
                .actions(actions)
                .resources(prefixes.stream().map(prefix -> bucket.arnForObjects(prefix + "*")).toList())
                .build());
        String bucketId = Stack.of(bucket).getLogicalId((CfnElement) bucket.getNode().getDefaultChild());
        for (String prefix : prefixes) {
            Acknowledge.rule(role.getNode().findChild("DefaultPolicy"),
                    "AwsSolutions-IAM5[Resource::<" + bucketId + ".Arn>/" + prefix + "*]",
                    "The function " + use + "; object keys hold a job id or a computation's id, known only at run time,"
                            + " so the grant is limited to the " + prefix + " prefix of this stack's bucket.");
        }
    }

    Table table() {
        return table;
    }

    Queue queue() {
        return queue;
    }

    Queue deadLetterQueue() {
        return deadLetterQueue;
    }

    Bucket bucket() {
        return bucket;
    }
}
