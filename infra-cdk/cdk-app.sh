#!/bin/sh
# The command cdk.json gives the CDK CLI: runs the Java CDK app on the classpath Maven recorded when
# it built infra-cdk, so `npx cdk synth` and `npx cdk deploy` need no Maven run of their own.
set -e
cd "$(dirname "$0")"
if [ ! -f target/app-classpath.txt ] || [ ! -f target/classes/org/piservice/infra/PiServiceApp.class ]; then
  echo "The CDK app is not built. From the project root run: ./mvnw -pl infra-cdk -am package -DskipTests" >&2
  exit 1
fi
. ../scripts/jdk25.sh
exec "$JAVA_HOME/bin/java" -cp "target/classes:$(cat target/app-classpath.txt)" org.piservice.infra.PiServiceApp
