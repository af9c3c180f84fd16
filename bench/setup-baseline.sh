#!/usr/bin/env bash
# Installs the benchmark baseline: chartjs-node-canvas on node-canvas, which is built from source
# (no prebuilt binary is downloaded) against Debian's Cairo and Pango development packages.
set -euo pipefail
cd "$(dirname "$0")/baseline"
packages=(build-essential pkg-config libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
npm_config_build_from_source=true npm ci --no-audit --no-fund
