#!/usr/bin/env bash
# make k8s-check: renders the manifests with `kubectl kustomize k8s` and, when kubeconform is installed, validates
# them against the Kubernetes schemas. Installs nothing. The manifests' agreement with the gateway's config and
# defaults is checked by the test io.tcpgate.k8s.KubernetesManifestsTest (part of `make test`), not here.
# Environment: KUBECONFORM_SCHEMA_LOCATION (passed to kubeconform -schema-location, e.g. a local schema directory
# for offline use; kubeconform's default fetches schemas from GitHub), KUBERNETES_VERSION (e.g. 1.32.0).
set -euo pipefail

cd "$(dirname "$0")/.."

if ! command -v kubectl >/dev/null 2>&1; then
  echo "k8s-check: kubectl not installed: skipped rendering"
  exit 0
fi

rendered="$(mktemp "${TMPDIR:-/tmp}/tcpgate-k8s.XXXXXX.yaml")"
trap 'rm -f "$rendered"' EXIT

kubectl kustomize k8s >"$rendered"
echo "k8s-check: kubectl kustomize k8s rendered $(grep -c '^kind:' "$rendered") objects:"
# kind and name of each rendered object (top-level kind:, then the first name: under metadata:)
awk '
  /^---/            { kind = ""; inmeta = 0 }
  /^kind:/          { kind = $2 }
  /^metadata:/      { inmeta = 1; next }
  /^[^ ]/           { inmeta = 0 }
  inmeta && /^  name:/ { print "  " kind "/" $2; inmeta = 0 }
' "$rendered"

if command -v kubeconform >/dev/null 2>&1; then
  args=(-strict -summary -schema-location "${KUBECONFORM_SCHEMA_LOCATION:-default}")
  if [[ -n "${KUBERNETES_VERSION:-}" ]]; then
    args+=(-kubernetes-version "$KUBERNETES_VERSION")
  fi
  echo "k8s-check: kubeconform ${args[*]}"
  kubeconform "${args[@]}" "$rendered"
else
  echo "k8s-check: kubeconform not installed: rendered only, schemas not validated"
fi
