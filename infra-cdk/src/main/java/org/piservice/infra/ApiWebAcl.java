package org.piservice.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.piservice.contract.Cors;
import org.piservice.contract.GatewayAnswers;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.apigateway.Stage;
import software.amazon.awscdk.services.wafv2.CfnWebACL;
import software.amazon.awscdk.services.wafv2.CfnWebACLAssociation;

/**
 * A WAF web ACL on the API's stage with three rules. One refuses a client (source address) its
 * requests beyond a number a minute, with {@code 429} and {@code Retry-After}: the stage's own
 * throttling counts all clients together, so without it one client sending the stage's rate would
 * get every other client throttled (the api's quota counts jobs, not requests). The others refuse
 * a body larger than any request of the API with {@code 413}, as sent or once API Gateway has
 * inflated it: the gateway passes bodies up to 10 MB, but Lambda takes no event over 6 MB, and
 * the gateway answers such a request with a 5xx (which would page the operator at a client's will).
 */
final class ApiWebAcl {

    /** WAF counts a client's requests over this window. */
    static final int WINDOW_SECONDS = 60;
    /** WAF's smallest limit of a rate-based rule. */
    static final int MIN_REQUESTS = 10;
    /**
     * Bodies above this are refused: far above a job request (about 20 bytes; the api refuses more
     * than 4 KB itself), within what WAF inspects of a body (from 8 KB up, by resource type).
     */
    static final int MAX_BODY_BYTES = 8 * 1024;
    /**
     * Compressed bodies above this are refused: API Gateway inflates a gzip or deflate body before
     * the function sees it, by up to about 1,000 times (deflate's limit), and each byte may take six
     * in the event's JSON (an escaped control character), so 512 bytes stay below Lambda's 6 MB; a
     * compressed job request is a few dozen. WAF sees only the body as sent, and the rule takes any
     * {@code Content-Encoding} (identity too, which no client needs to send).
     */
    static final int MAX_COMPRESSED_BODY_BYTES = 512;
    static final String TOO_LARGE = "The request body is too large: a job request is a few bytes of JSON.";
    private static final String TOO_MANY_KEY = "tooManyRequests";
    private static final String TOO_LARGE_KEY = "bodyTooLarge";

    private ApiWebAcl() {
    }

    /** Refuses each client its requests to {@code stage} beyond {@code requestsPerMinute}, and every oversized body. */
    static CfnWebACL attach(Stack stack, Stage stage, int requestsPerMinute) {
        CfnWebACL acl = CfnWebACL.Builder.create(stack, "ApiWebAcl")
                .description("pi-service: requests per client per minute, and body size")
                .scope("REGIONAL")
                .defaultAction(CfnWebACL.DefaultActionProperty.builder()
                        .allow(CfnWebACL.AllowActionProperty.builder().build()).build())
                .visibilityConfig(visibility("pi-service-api"))
                .customResponseBodies(Map.of(TOO_LARGE_KEY, jsonBody(GatewayAnswers.errorBodyOf(TOO_LARGE)),
                        TOO_MANY_KEY, jsonBody(GatewayAnswers.tooManyFromAddressBody(requestsPerMinute))))
                .rules(List.of(
                        rule("BodyTooLarge", 0, bodyLargerThan(MAX_BODY_BYTES), 413, TOO_LARGE_KEY, List.of()),
                        rule("CompressedBodyTooLarge", 1, CfnWebACL.StatementProperty.builder()
                                .andStatement(CfnWebACL.AndStatementProperty.builder().statements(List.of(
                                        sizeOf(CfnWebACL.FieldToMatchProperty.builder()
                                                .singleHeader(Map.of("Name", "content-encoding")).build(), 0),
                                        bodyLargerThan(MAX_COMPRESSED_BODY_BYTES))).build())
                                .build(), 413, TOO_LARGE_KEY, List.of()),
                        rule("RequestsPerClient", 2, CfnWebACL.StatementProperty.builder()
                                .rateBasedStatement(CfnWebACL.RateBasedStatementProperty.builder()
                                        .aggregateKeyType("IP")
                                        .evaluationWindowSec(WINDOW_SECONDS)
                                        .limit(requestsPerMinute)
                                        .build())
                                .build(), 429, TOO_MANY_KEY,
                                List.of(header("Retry-After", Integer.toString(WINDOW_SECONDS)),
                                        header("Access-Control-Expose-Headers", Cors.API_EXPOSED_HEADERS)))))
                .build();
        CfnWebACLAssociation.Builder.create(stack, "ApiWebAclAssociation")
                .resourceArn(stage.getStageArn())
                .webAclArn(acl.getAttrArn())
                .build();
        return acl;
    }

    private static CfnWebACL.StatementProperty bodyLargerThan(int bytes) {
        // a body beyond what WAF inspects is too large as well
        return sizeOf(CfnWebACL.FieldToMatchProperty.builder()
                .body(CfnWebACL.BodyProperty.builder().oversizeHandling("MATCH").build()).build(), bytes);
    }

    /** Matches a request whose {@code field} is longer than {@code bytes}. */
    private static CfnWebACL.StatementProperty sizeOf(CfnWebACL.FieldToMatchProperty field, int bytes) {
        return CfnWebACL.StatementProperty.builder()
                .sizeConstraintStatement(CfnWebACL.SizeConstraintStatementProperty.builder()
                        .fieldToMatch(field)
                        .comparisonOperator("GT")
                        .size(bytes)
                        .textTransformations(List.of(CfnWebACL.TextTransformationProperty.builder()
                                .priority(0).type("NONE").build()))
                        .build())
                .build();
    }

    /** A rule that blocks what {@code statement} matches with {@code status}, the API's JSON error and its CORS header. */
    private static CfnWebACL.RuleProperty rule(String name, int priority, CfnWebACL.StatementProperty statement,
                                               int status, String bodyKey, List<CfnWebACL.CustomHTTPHeaderProperty> headers) {
        List<CfnWebACL.CustomHTTPHeaderProperty> allHeaders = new ArrayList<>(headers);
        // as the api's own answers: browsers may read it
        allHeaders.add(header("Access-Control-Allow-Origin", Cors.ALLOWED_ORIGIN));
        return CfnWebACL.RuleProperty.builder()
                .name(name)
                .priority(priority)
                .statement(statement)
                .action(CfnWebACL.RuleActionProperty.builder()
                        .block(CfnWebACL.BlockActionProperty.builder()
                                .customResponse(CfnWebACL.CustomResponseProperty.builder()
                                        .responseCode(status)
                                        .customResponseBodyKey(bodyKey)
                                        .responseHeaders(allHeaders)
                                        .build())
                                .build())
                        .build())
                .visibilityConfig(visibility("pi-service-api-" + name))
                .build();
    }

    private static CfnWebACL.CustomResponseBodyProperty jsonBody(String json) {
        return CfnWebACL.CustomResponseBodyProperty.builder()
                .contentType("APPLICATION_JSON")
                .content(json)
                .build();
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
