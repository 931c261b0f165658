package org.piservice.infra;

import software.amazon.awscdk.Acknowledgment;
import software.amazon.awscdk.Validations;
import software.constructs.IConstruct;

/**
 * A cdk-nag finding accepted on purpose: the rule id (with its finding, where the rule names one)
 * and the reason, kept with the construct it is about. CdkNagTest holds the reviewed list.
 */
final class Acknowledge {

    private Acknowledge() {
    }

    static void rule(IConstruct construct, String ruleId, String reason) {
        Validations.of(construct).acknowledge(Acknowledgment.builder().id(ruleId).reason(reason).build());
    }
}
