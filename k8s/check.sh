#!/usr/bin/env bash
# make k8s-check: renders each layout with `kubectl kustomize` (k8s, k8s/cluster, k8s/observability and every
# k8s/overlays/*) and, when kubeconform is installed, validates them against the Kubernetes schemas (the Prometheus
# Operator's PodMonitor and PrometheusRule have none there and are skipped; ObservabilityManifestsTest checks them).
# Installs nothing. The manifests' agreement
# with the gateway's config and defaults is checked by the tests in io.tcpgate.k8s and io.tcpgate.cluster (part of
# `make test`), not here.
# Environment: KUBECONFORM_SCHEMA_LOCATION (passed to kubeconform -schema-location, e.g. a local schema directory
# for offline use; kubeconform's default fetches schemas from GitHub), KUBERNETES_VERSION (e.g. 1.32.0).
set -euo pipefail

cd "$(dirname "$0")/.."

if ! command -v kubectl >/dev/null 2>&1; then
  echo "k8s-check: kubectl not installed: skipped rendering"
  exit 0
fi

layouts=(k8s k8s/cluster k8s/observability)
for overlay in k8s/overlays/*/; do
  if [[ -f "${overlay}kustomization.yaml" ]]; then
    layouts+=("${overlay%/}")
  fi
done

kubeconform_args=()
if command -v kubeconform >/dev/null 2>&1; then
  kubeconform_args=(-strict -summary -schema-location "${KUBECONFORM_SCHEMA_LOCATION:-default}"
    -skip PodMonitor,PrometheusRule)
  if [[ -n "${KUBERNETES_VERSION:-}" ]]; then
    kubeconform_args+=(-kubernetes-version "$KUBERNETES_VERSION")
  fi
fi

rendered="$(mktemp "${TMPDIR:-/tmp}/tcpgate-k8s.XXXXXX.yaml")"
trap 'rm -f "$rendered"' EXIT

for layout in "${layouts[@]}"; do
  kubectl kustomize "$layout" >"$rendered"
  echo "k8s-check: kubectl kustomize $layout rendered $(grep -c '^kind:' "$rendered") objects:"
  # kind and name of each rendered object (top-level kind:, then the first name: under metadata:)
  awk '
    /^---/            { kind = ""; inmeta = 0 }
    /^kind:/          { kind = $2 }
    /^metadata:/      { inmeta = 1; next }
    /^[^ ]/           { inmeta = 0 }
    inmeta && /^  name:/ { print "  " kind "/" $2; inmeta = 0 }
  ' "$rendered"
  if [[ ${#kubeconform_args[@]} -gt 0 ]]; then
    echo "k8s-check: kubeconform ${kubeconform_args[*]} ($layout)"
    kubeconform "${kubeconform_args[@]}" "$rendered"
  fi
done

if [[ ${#kubeconform_args[@]} -eq 0 ]]; then
  echo "k8s-check: kubeconform not installed: rendered only, schemas not validated"
fi
