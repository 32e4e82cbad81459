#!/usr/bin/env bash
# Installs what the tests need and is missing: redis-server, Chromium, Firefox
# ESR, WebKitGTK's WebDriver and Xvfb from Debian's packages, and the npm
# workspace's packages from package-lock.json. It does nothing when
# everything is already there, so `make test` stays fast.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# The banner's every-engine suite also runs in Firefox ESR and in WebKitGTK's
# MiniBrowser (WebKitWebDriver, in an Xvfb display); its proxy makes a
# throwaway certificate with openssl.
[ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr)
command -v WebKitWebDriver >/dev/null 2>&1 || missing+=(webkit2gtk-driver)
command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]} with apt-get"
	sudo=""
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null 2>&1 || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
		sudo=sudo
	fi
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when node_modules is missing or older than the lock file. The
# JavaScript is one npm workspace (snippet/, dashboard/, testkit/) with one
# lock file at the top; a dashboard/node_modules with a lock of its own is
# left from before the workspace and would shadow the shared packages.
if [ -f dashboard/node_modules/.package-lock.json ]; then
	echo "setup: removing dashboard/node_modules from before the npm workspace"
	rm -rf dashboard/node_modules
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	echo "setup: installing npm packages"
	npm ci --no-audit --no-fund --loglevel=error
fi
