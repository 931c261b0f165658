package org.piservice.worker;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.piservice.emulators.LocalAws;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.DigitStore;
import org.piservice.jobs.JobRepository;
import org.piservice.jobs.ResultStore;
import org.piservice.jobs.ServiceConfig;
import org.piservice.jobs.testing.TestResources;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * A worker in a process of its own, for tests that kill it: receives one message from the queue
 * and works on it with a computation that takes a minute, saying {@value #COMPUTING} on standard
 * output when it starts computing.
 *
 * <p>Arguments: the emulators' DynamoDB, SQS and S3 endpoints, the table, queue URL and bucket,
 * and the invocation's time budget in milliseconds.
 */
public final class WorkerProcessMain {

    static final String COMPUTING = "computing";

    private WorkerProcessMain() {
    }

    public static void main(String[] args) {
        Map<String, String> settings = Map.of(
                "AWS_REGION", LocalAws.REGION, "AWS_ACCESS_KEY_ID", LocalAws.ACCESS_KEY_ID,
                "AWS_SECRET_ACCESS_KEY", LocalAws.SECRET_ACCESS_KEY,
                "AWS_ENDPOINT_URL_DYNAMODB", args[0], "AWS_ENDPOINT_URL_SQS", args[1], "AWS_ENDPOINT_URL_S3", args[2],
                "S3_FORCE_PATH_STYLE", "true");
        ServiceConfig config = TestResources.config(args[3], args[4], args[5]);
        Duration budget = Duration.ofMillis(Long.parseLong(args[6]));
        AwsClients clients = AwsClients.fromSettings(settings, WorkerClients.BUDGETS);
        ResultStore results = new ResultStore(clients.s3(), clients.presigner(), config);
        PiWriter slow = (digits, out, progress, cancelled) -> {
            System.out.println(COMPUTING);
            System.out.flush();
            try {
                Thread.sleep(Duration.ofMinutes(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            PiWriter.PI_CORE.write(digits, out, progress, cancelled);
        };
        JobProcessor processor = new JobProcessor(new JobRepository(clients.dynamoDb(), config),
                new DigitStore(clients.dynamoDb(), clients.s3(), results, config), results,
                new MessageVisibility(clients.sqs(), config.queueUrl()), config, WorkerFixture.FAST, slow,
                new EmfMetrics(System.err, Clock.systemUTC()));
        List<Message> received = clients.sqs().receiveMessage(receive -> receive.queueUrl(config.queueUrl())
                .waitTimeSeconds(10).messageSystemAttributeNamesWithStrings("ApproximateReceiveCount")).messages();
        for (Message message : received) {
            processor.handle(new QueueMessage(message.messageId(), message.body(), message.receiptHandle(),
                    QueueMessage.receiveCount(message.attributesAsStrings().get("ApproximateReceiveCount"))),
                    WorkerFixture.deadlineAfter(budget));
        }
    }
}
