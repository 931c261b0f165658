# Sourced by the project's scripts: points JAVA_HOME at a JDK 25 or newer.
# Order: JAVA_HOME as given, the JDK of the `java` on PATH, macOS's java_home, then the usual install
# folders. Lambda's runtime is Java 25, and the build compiles with --release 25, so an older JDK
# cannot build the project at all.

pi_java_major() {
  # Prints the feature release of the JDK at $1 (e.g. 25), or nothing when it is not a JDK.
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

pi_path_jdk() {
  # Prints the home of the JDK whose java is first on PATH (bin/java's grandparent), if any.
  local java
  java=$(command -v java 2>/dev/null) || return 0
  java=$(readlink -f "$java" 2>/dev/null) || return 0
  dirname "$(dirname "$java")"
}

pi_find_jdk25() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" "$(pi_path_jdk)" \
      "$( [ -x /usr/libexec/java_home ] && /usr/libexec/java_home -v 25+ 2>/dev/null)" \
      /usr/lib/jvm/temurin-25* /usr/lib/jvm/*25* /usr/lib/jvm/* \
      /opt/java/* /opt/jdk* /usr/java/* \
      /opt/homebrew/opt/openjdk*/libexec/openjdk.jdk/Contents/Home \
      /usr/local/opt/openjdk*/libexec/openjdk.jdk/Contents/Home \
      "${HOME:-}"/.sdkman/candidates/java/* "${HOME:-}"/.jdks/* \
      "${HOME:-}"/.local/share/mise/installs/java/* "${HOME:-}"/.asdf/installs/java/* \
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
  if [ -n "${JAVA_HOME:-}" ] && [ "$JAVA_HOME" != "$found" ]; then
    echo "JAVA_HOME ($JAVA_HOME) is not a JDK 25 or newer; using the one at $found." >&2
  fi
  export JAVA_HOME="$found"
  export PATH="$JAVA_HOME/bin:$PATH"
else
  echo "pi-service needs a JDK 25 or newer (the Lambda Java 25 runtime), and none was found." >&2
  echo "Looked at JAVA_HOME (${JAVA_HOME:-unset}), the java on PATH and the usual folders (/usr/lib/jvm, /opt/java," >&2
  echo "Homebrew, ~/.sdkman, ~/.jdks, mise, asdf, /Library/Java/JavaVirtualMachines)." >&2
  echo "Install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
  exit 1
fi
