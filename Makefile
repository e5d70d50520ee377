# tcpgate — see `make help`.
MVN ?= mvn
MVN_FLAGS ?= -B -q
JAR := target/tcpgate.jar
CONF ?= conf/config.json
SOURCES := $(shell find src/main -type f 2>/dev/null) pom.xml conf/config.json

.PHONY: help build run test bench k8s-check clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

build: $(JAR) ## build the fat jar target/tcpgate.jar

$(JAR): $(SOURCES)
	$(MVN) $(MVN_FLAGS) -DskipTests package

run: $(JAR) ## build if stale, then start on conf/config.json (CONF=... for another file)
	java -jar $(JAR) -conf $(CONF)

test: ## build and run every test: unit, socket-level, and process-level against the jar
	$(MVN) -B verify

bench: ## benchmark each dispatch mode against direct/naive (loopback, ~17 min); write docs/BENCHMARKS.md
	$(MVN) $(MVN_FLAGS) -DskipTests package
	bash bench/run.sh

k8s-check: ## check every Kubernetes layout against the real config; render them with kubectl if installed
	$(MVN) $(MVN_FLAGS) test -Dtest='*Manifests*Test,*OverlayTest' -Dsurefire.failIfNoSpecifiedTests=false
	bash k8s/check.sh

clean: ## remove build output
	$(MVN) $(MVN_FLAGS) clean
