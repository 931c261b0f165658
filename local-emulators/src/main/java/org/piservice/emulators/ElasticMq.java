package org.piservice.emulators;

import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import scala.concurrent.Await;
import scala.concurrent.duration.Duration;

/** ElasticMQ's SQS endpoint (JSON and query protocols) inside this JVM, in memory. */
final class ElasticMq implements AutoCloseable {

    private static final String HOST = "127.0.0.1";

    private final SQSRestServer server;
    private final URI endpoint;

    private ElasticMq(SQSRestServer server, URI endpoint) {
        this.server = server;
        this.endpoint = endpoint;
    }

    static ElasticMq start(String region) {
        SQSRestServer server = SQSRestServerBuilder
                .withInterface(HOST)
                .withDynamicPort()
                .withAWSRegion(region)
                .start();
        int port = server.waitUntilStarted().localAddress().getPort();
        return new ElasticMq(server, URI.create("http://" + HOST + ":" + port));
    }

    URI endpoint() {
        return endpoint;
    }

    @Override
    public void close() throws Exception {
        Await.result(server.stopAndGetFuture().apply(), Duration.create(30, TimeUnit.SECONDS));
    }
}
