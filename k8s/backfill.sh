#!/usr/bin/env bash
# Starts the backfill (k8s/backfill-job.yaml) from the live job's newest completed savepoint, as the Flink
# Kubernetes Operator records it in FlinkStateSnapshot resources (the default since operator 1.10; 1.15 no longer
# updates the deprecated .status.jobStatus.savepointInfo of the FlinkDeployment). See k8s/README.md, section 6.
#
#   k8s/backfill.sh savepoint          print the path of the live job's newest COMPLETED savepoint
#   k8s/backfill.sh render [PATH]      print backfill-job.yaml with initialSavepointPath set to PATH (default: the
#                                      newest completed savepoint)
#   k8s/backfill.sh apply [PATH]       render, put in the Flink stores' password, then kubectl apply -f -
#
# Environment: FLOODGATE_NAMESPACE (floodgate), FLOODGATE_LIVE (the live FlinkDeployment, floodgate-live),
# KUBECTL (kubectl), FLOODGATE_FLINK_TLS_PASSWORD (else read from the Secret floodgate-flink-tls-password). Needs jq.
# Exits non-zero, with a message and without applying anything, when no completed savepoint with a path exists:
# never a backfill with an empty initialSavepointPath. The password replaces the manifest's
# ${FLOODGATE_FLINK_TLS_PASSWORD} only on its way to kubectl's standard input: render prints the placeholder, and
# the password is never printed nor on a command line.
set -euo pipefail
shopt -s inherit_errexit

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NAMESPACE="${FLOODGATE_NAMESPACE:-floodgate}"
LIVE="${FLOODGATE_LIVE:-floodgate-live}"
KUBECTL="${KUBECTL:-kubectl}"
MANIFEST="${FLOODGATE_BACKFILL_MANIFEST:-$HERE/backfill-job.yaml}"

die() {
    echo "backfill.sh: $*" >&2
    exit 1
}

# The newest COMPLETED savepoint snapshot whose jobReference is the live FlinkDeployment (the operator also labels
# them job-reference.name and snapshot.type; the spec is what it acts on, so that is what is matched here).
# Checkpoint snapshots, failed, abandoned and in-progress ones and ones without a path are left out.
newest_savepoint() {
    command -v jq >/dev/null 2>&1 || die "jq is needed to read the FlinkStateSnapshot resources (apt-get install jq)"
    local json
    json="$("$KUBECTL" -n "$NAMESPACE" get flinkstatesnapshots.flink.apache.org -o json)" ||
        die "kubectl could not list the FlinkStateSnapshot resources in namespace $NAMESPACE (operator 1.10+ with kubernetes.operator.snapshot.resource.enabled)"
    local path
    path="$(jq -r --arg live "$LIVE" '
        [ .items[]?
          | select(.spec.jobReference.kind == "FlinkDeployment" and .spec.jobReference.name == $live)
          | select(.spec.savepoint != null)
          | select(.status.state == "COMPLETED")
          | select((.status.path // "") != "") ]
        | sort_by(.status.resultTimestamp // .metadata.creationTimestamp // "")
        | last
        | .status.path // ""' <<<"$json")" || die "cannot read kubectl's answer as FlinkStateSnapshot JSON"
    if [ -z "$path" ] || [ "$path" = "null" ]; then
        die "no COMPLETED savepoint of FlinkDeployment $LIVE in namespace $NAMESPACE (kubectl -n $NAMESPACE get flinkstatesnapshots); trigger one (k8s/README.md, section 5), wait for COMPLETED, and run this again"
    fi
    printf '%s\n' "$path"
}

render() {
    local path="${1:-}"
    if [ -z "$path" ]; then
        path="$(newest_savepoint)"
    fi
    [ -n "$path" ] || die "empty savepoint path"
    case "$path" in
        *[[:space:]]*) die "savepoint path with white space: '$path'" ;;
    esac
    [ -r "$MANIFEST" ] || die "cannot read $MANIFEST"
    local out n
    out="$(awk -v p="$path" '
        /^    initialSavepointPath:/ { print "    initialSavepointPath: " p; n++; next }
        { print }
        END { if (n != 1) exit 3 }' "$MANIFEST")" || die "$MANIFEST has no (or more than one) spec.job.initialSavepointPath line"
    printf '%s\n' "$out"
}

# tls_password: the Flink stores' password (k8s/tls.yaml): FLOODGATE_FLINK_TLS_PASSWORD, else the Secret's.
tls_password() {
    local pw="${FLOODGATE_FLINK_TLS_PASSWORD:-}"
    if [ -z "$pw" ]; then
        pw="$("$KUBECTL" -n "$NAMESPACE" get secret floodgate-flink-tls-password -o 'jsonpath={.data.password}' \
            | base64 -d)" || die "could not read the Secret floodgate-flink-tls-password (k8s/README.md, 3b)"
    fi
    [ -n "$pw" ] || die "no Flink TLS store password: set FLOODGATE_FLINK_TLS_PASSWORD or create the Secret floodgate-flink-tls-password"
    printf '%s' "$pw"
}

# with_tls_password password: standard input with every ${FLOODGATE_FLINK_TLS_PASSWORD} replaced by the password,
# literally (no character of it is special); the password reaches awk through its environment.
with_tls_password() {
    TLS_PASSWORD="$1" awk -v ph='${FLOODGATE_FLINK_TLS_PASSWORD}' '
        BEGIN { pw = ENVIRON["TLS_PASSWORD"] }
        {
            out = ""; line = $0
            while ((i = index(line, ph)) > 0) { out = out substr(line, 1, i - 1) pw; line = substr(line, i + length(ph)) }
            print out line
        }'
}

cmd="${1:-}"
shift || true
case "$cmd" in
    savepoint) newest_savepoint ;;
    render) render "${1:-}" ;;
    apply)
        manifest="$(render "${1:-}")"
        password="$(tls_password)"
        echo "backfill.sh: starting the backfill from $(grep -m1 'initialSavepointPath:' <<<"$manifest" | awk '{print $2}')" >&2
        with_tls_password "$password" <<<"$manifest" | "$KUBECTL" apply -f -
        ;;
    *)
        sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
        exit 2
        ;;
esac
