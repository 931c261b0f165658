package org.piservice.jobs;

import org.piservice.jobs.testing.Emulators;

/** Runs against the embedded emulators (ElasticMQ, S3Proxy, dynalite), shared by the test JVM. */
class JobsOnEmulatorsTest extends JobsContract {

    @Override
    protected AwsClients clients() {
        return Emulators.clients();
    }

    @Override
    protected ServiceResources.Created newResources() {
        return Emulators.newResources();
    }
}
