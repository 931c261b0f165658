#!/bin/bash
# Runs inside LocalStack once its services are up: creates what the service needs, with the same
# names and settings as the local run's own setup (org.piservice.jobs.ServiceResources), so either
# may run first.
set -euo pipefail

prefix="${PI_SERVICE_PREFIX:-pi-service}"

awslocal dynamodb create-table --table-name "$prefix-jobs" \
  --attribute-definitions AttributeName=job_id,AttributeType=S \
  --key-schema AttributeName=job_id,KeyType=HASH \
  --billing-mode PAY_PER_REQUEST >/dev/null
awslocal dynamodb wait table-exists --table-name "$prefix-jobs"
awslocal dynamodb update-time-to-live --table-name "$prefix-jobs" \
  --time-to-live-specification Enabled=true,AttributeName=expires_at >/dev/null

dlq_url=$(awslocal sqs create-queue --queue-name "$prefix-dlq" \
  --attributes MessageRetentionPeriod=1209600 --query QueueUrl --output text)
dlq_arn=$(awslocal sqs get-queue-attributes --queue-url "$dlq_url" \
  --attribute-names QueueArn --query Attributes.QueueArn --output text)
awslocal sqs create-queue --queue-name "$prefix-queue" --attributes "{
  \"VisibilityTimeout\": \"5400\",
  \"RedrivePolicy\": \"{\\\"deadLetterTargetArn\\\":\\\"$dlq_arn\\\",\\\"maxReceiveCount\\\":5}\"
}" >/dev/null

awslocal s3api create-bucket --bucket "$prefix-results" >/dev/null

touch /tmp/pi-service-resources-ready
echo "pi-service resources ready: table $prefix-jobs, queue $prefix-queue (DLQ $prefix-dlq), bucket $prefix-results"
