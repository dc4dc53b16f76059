#!/usr/bin/env bash
# Installs what clpool needs to build and test on Debian 12 (or Ubuntu): a C compiler, CMake, the
# OpenCL ICD loader and headers, PoCL as a CPU OpenCL device, and Check. Uses sudo unless root.
set -euo pipefail
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends \
  build-essential cmake pkg-config check \
  ocl-icd-opencl-dev opencl-headers pocl-opencl-icd
