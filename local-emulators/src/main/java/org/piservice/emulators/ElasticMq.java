package org.piservice.emulators;

import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

/** ElasticMQ's SQS endpoint (JSON and query protocols) inside this JVM, in memory. */
final class ElasticMq implements AutoCloseable {

    private static final String HOST = "127.0.0.1";

    private final ActorSystem system;
    private final URI endpoint;

    private ElasticMq(ActorSystem system, URI endpoint) {
        this.system = system;
        this.endpoint = endpoint;
    }

    static ElasticMq start(String region) {
        ActorSystem system = ActorSystem.create("elasticmq");
        try {
            int port = SQSRestServerBuilder
                    .withActorSystem(system)
                    .withInterface(HOST)
                    .withDynamicPort()
                    .withAWSRegion(region)
                    .start()
                    .waitUntilStarted()
                    .localAddress()
                    .getPort();
            return new ElasticMq(system, URI.create("http://" + HOST + ":" + port));
        } catch (Exception e) { // Scala throws checked ones too (a port that cannot be bound, a timeout)
            system.terminate();
            throw e;
        }
    }

    URI endpoint() {
        return endpoint;
    }

    /**
     * Stops the server by terminating its actor system, which drops open connections at once.
     * ElasticMQ's own stop first lets requests in flight finish, for up to a minute, and in one
     * test run in about ten that outlasted a 30-second wait; an emulator has no request worth
     * finishing.
     */
    @Override
    public void close() throws Exception {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
