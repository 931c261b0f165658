package org.piservice.infra;

import java.util.List;
import java.util.Map;
import org.piservice.contract.Cors;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.apigateway.Stage;
import software.amazon.awscdk.services.wafv2.CfnWebACL;
import software.amazon.awscdk.services.wafv2.CfnWebACLAssociation;

/**
 * A WAF web ACL on the API's stage that refuses a client (source address) its requests beyond a
 * number a minute, with {@code 429} and {@code Retry-After}. The stage's own throttling counts all
 * clients together, so without this one client sending the stage's rate would get every other
 * client throttled; the api's quota counts jobs, not requests.
 */
final class ClientRateLimit {

    /** WAF counts a client's requests over this window. */
    static final int WINDOW_SECONDS = 60;
    /** WAF's smallest limit of a rate-based rule. */
    static final int MIN_REQUESTS = 10;
    static final String REFUSAL = "Too many requests from your address: slow down and try again in a minute.";
    private static final String BODY_KEY = "requestsPerClient";

    private ClientRateLimit() {
    }

    /** Refuses each client its requests to {@code stage} beyond {@code requestsPerMinute}. */
    static CfnWebACL attach(Stack stack, Stage stage, int requestsPerMinute) {
        CfnWebACL acl = CfnWebACL.Builder.create(stack, "ApiClientRateLimit")
                .description("pi-service: requests to the API per client per minute")
                .scope("REGIONAL")
                .defaultAction(CfnWebACL.DefaultActionProperty.builder()
                        .allow(CfnWebACL.AllowActionProperty.builder().build()).build())
                .visibilityConfig(visibility("pi-service-api"))
                .customResponseBodies(Map.of(BODY_KEY, CfnWebACL.CustomResponseBodyProperty.builder()
                        .contentType("APPLICATION_JSON")
                        .content("{\"success\": false, \"error\": \"" + REFUSAL + "\"}")
                        .build()))
                .rules(List.of(CfnWebACL.RuleProperty.builder()
                        .name("RequestsPerClient")
                        .priority(0)
                        .statement(CfnWebACL.StatementProperty.builder()
                                .rateBasedStatement(CfnWebACL.RateBasedStatementProperty.builder()
                                        .aggregateKeyType("IP")
                                        .evaluationWindowSec(WINDOW_SECONDS)
                                        .limit(requestsPerMinute)
                                        .build())
                                .build())
                        .action(CfnWebACL.RuleActionProperty.builder()
                                .block(CfnWebACL.BlockActionProperty.builder()
                                        .customResponse(CfnWebACL.CustomResponseProperty.builder()
                                                .responseCode(429)
                                                .customResponseBodyKey(BODY_KEY)
                                                // as the api's own answers: browsers may read it and the wait
                                                .responseHeaders(List.of(
                                                        header("Retry-After", Integer.toString(WINDOW_SECONDS)),
                                                        header("Access-Control-Allow-Origin", Cors.ALLOWED_ORIGIN),
                                                        header("Access-Control-Expose-Headers", "Retry-After")))
                                                .build())
                                        .build())
                                .build())
                        .visibilityConfig(visibility("pi-service-api-requests-per-client"))
                        .build()))
                .build();
        CfnWebACLAssociation.Builder.create(stack, "ApiClientRateLimitAssociation")
                .resourceArn(stage.getStageArn())
                .webAclArn(acl.getAttrArn())
                .build();
        return acl;
    }

    private static CfnWebACL.VisibilityConfigProperty visibility(String metricName) {
        return CfnWebACL.VisibilityConfigProperty.builder()
                .metricName(metricName)
                .cloudWatchMetricsEnabled(true)
                .sampledRequestsEnabled(true)
                .build();
    }

    private static CfnWebACL.CustomHTTPHeaderProperty header(String name, String value) {
        return CfnWebACL.CustomHTTPHeaderProperty.builder().name(name).value(value).build();
    }
}
