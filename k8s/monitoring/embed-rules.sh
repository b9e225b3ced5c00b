#!/usr/bin/env bash
# Rewrites the PrometheusRule's spec in k8s/monitoring.yaml from k8s/monitoring/rules.yaml, indented by 2 spaces.
# rules.yaml is the source: promtool checks and unit-tests it (rules-test.yaml); the manifest embeds it so that
# "kubectl apply -f k8s/monitoring.yaml" needs no build step. MonitoringManifestsTest fails when they differ.
# The PrometheusRule is the manifest's last document and spec its last key: everything after its "spec:" line
# is the rules file.
set -euo pipefail
cd "$(dirname "$0")/.."
spec_line=$(grep -n '^spec:$' monitoring.yaml | tail -n 1 | cut -d: -f1)
{
    head -n "$spec_line" monitoring.yaml
    sed "s/^./  &/" monitoring/rules.yaml
} > monitoring.yaml.new
mv monitoring.yaml.new monitoring.yaml
