# tcpgate — see `make help`.
MVN ?= mvn
MVN_FLAGS ?= -B -q
JAR := target/tcpgate.jar
CONF ?= conf/config.json
SOURCES := $(shell find src/main -type f 2>/dev/null) pom.xml conf/config.json

.PHONY: help build run test clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

build: $(JAR) ## build the fat jar target/tcpgate.jar

$(JAR): $(SOURCES)
	$(MVN) $(MVN_FLAGS) -DskipTests package

run: $(JAR) ## build if stale, then start on conf/config.json (CONF=... for another file)
	java -jar $(JAR) -conf $(CONF)

test: ## build and run every test
	$(MVN) -B verify

clean: ## remove build output
	$(MVN) $(MVN_FLAGS) clean
