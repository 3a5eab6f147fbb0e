# regcred-operator. `make help` lists the targets.
SHELL := /usr/bin/env bash
MVN := ./mvnw -B
# Namespaces of the scale benchmark (make bench BENCH_NAMESPACES=5000).
BENCH_NAMESPACES ?= 1000

.PHONY: help deps testbin build image test unit bench demo demo-down fmt crd clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

deps: ## Install missing machine packages (docker-registry, skopeo, htpasswd, openssl)
	@hack/deps.sh

testbin: ## Build the Kubernetes binaries, etcd and helm once per version into ~/.cache/regcred-operator
	@hack/testbin.sh >/dev/null

build: ## Build the operator jar and its runtime dependencies (target/regcred-operator.jar, target/lib)
	$(MVN) -q package -DskipTests

image: deps ## Build the operator image without a container engine (buildah): target/image/*.oci.tar
	@hack/image.sh build

test: deps testbin ## Run every test: unit, real API server, real registry, a real node (root); plus format and CRD checks
	$(MVN) verify

unit: ## Only the unit tests (no server)
	$(MVN) test

bench: deps testbin ## Print the figures: the scale benchmark (docs/benchmarks.md), onboarding, rotation, readiness, fan-out, failover, memory, payload size, convergence after kill -9
	@mkdir -p target
	$(MVN) -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dspotless.check.skip=true \
	  -Dregcred.bench.tenantSecrets=500 -Dregcred.bench.namespaces=$(BENCH_NAMESPACES) \
	  -Dit.test='ScaleBench,StaticSourceIT,EcrRotationIT,HealthIT,PayloadFailoverIT,TenantSecretMemoryIT,OperatorKilledIT' verify | tee target/bench.log \
	  | grep -E '^(scale N=|onboarding|ECR rotation|readiness|runtime payload|leader resident|failover|tenant secrets memory|kill -9: [0-9]+ kills)' || true
	@grep -q 'BUILD SUCCESS' target/bench.log

demo: deps testbin ## Single-node cluster + private registry + the operator as its own process; Pods pull through patched ServiceAccounts
	@hack/demo.sh up

demo-down: ## Stop the demo and the node (nothing left running)
	@hack/demo.sh down

fmt: ## Format the Java sources
	$(MVN) -q spotless:apply

crd: ## Regenerate the CRD from the Java types into crds/
	$(MVN) -q process-classes
	cp target/classes/META-INF/fabric8/clusterregistrycredentials.regcred.io-v1.yml target/classes/META-INF/fabric8/registrycredentials.regcred.io-v1.yml crds/

clean: ## Remove build output
	$(MVN) -q clean
