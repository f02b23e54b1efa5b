#!/usr/bin/env bash
# The dashboard's browser tests drive Debian's chromium (Playwright cannot download its own
# browsers without network beyond the package registries). Installs it when missing; failing
# to install fails the test command rather than skipping the browser tests.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q chromium
test -x /usr/bin/chromium
