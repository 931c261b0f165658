package org.piservice.jobs;

import org.piservice.jobs.testing.Emulators;
import org.piservice.jobs.testing.TestResources;

/** Runs against the embedded emulators (ElasticMQ, S3Proxy, dynalite), shared by the test JVM. */
class JobsOnEmulatorsTest extends JobsContract {

    @Override
    protected AwsClients clients() {
        return Emulators.clients();
    }

    @Override
    protected TestResources newResources() {
        return Emulators.newResources();
    }
}
