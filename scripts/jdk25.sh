# Sourced by the project's scripts: points JAVA_HOME at a JDK 25 or newer.
# Order: JAVA_HOME as given, then the usual install folders. Lambda's runtime is Java 25, and the
# build compiles with --release 25, so an older JDK cannot build the project at all.

pi_java_major() {
  # Prints the feature release of the JDK at $1 (e.g. 25), or nothing when it is not a JDK.
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

pi_find_jdk25() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" \
      /usr/lib/jvm/temurin-25* /usr/lib/jvm/*25* /usr/lib/jvm/* \
      /opt/java/* /opt/jdk* /usr/java/* \
      "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* \
      /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -n "$candidate" ] && [ -d "$candidate" ] || continue
    major=$(pi_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

if found=$(pi_find_jdk25); then
  export JAVA_HOME="$found"
  export PATH="$JAVA_HOME/bin:$PATH"
else
  echo "pi-service needs a JDK 25 or newer (the Lambda Java 25 runtime), and none was found." >&2
  echo "Looked at JAVA_HOME (${JAVA_HOME:-unset}) and the usual folders (/usr/lib/jvm, /opt/java, ~/.sdkman, ~/.jdks)." >&2
  echo "Install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
  exit 1
fi
