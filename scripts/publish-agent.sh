#!/usr/bin/env bash
# Builds homer-agent for Linux x64 hosts that have no .NET SDK or runtime (SBCs, proxies): one self-contained
# executable with the .NET runtime inside. The host needs glibc and libpcap (Debian/Ubuntu: libpcap0.8; RHEL: libpcap);
# OpenSSL only for an https JSON output. Globalization is invariant, so no libicu is needed.
#
#   scripts/publish-agent.sh [OUT_DIR]        default OUT_DIR: artifacts/homer-agent-linux-x64
#
# OUT_DIR then holds: homer-agent (the executable), homer-agent.service (systemd unit), homer-agent.yaml (example
# configuration). Install as docs/agent.md ("Installing on a host without .NET") says. Intermediate files go to
# HOMER_AGENT_BUILD_DIR (default artifacts/agent-build), never to the projects' own obj/ folders, so a publish does not
# disturb a developer's Debug builds; no MSBuild or compiler server is left running (the test suite runs this script).
# HOMER_AGENT_RID picks another runtime (e.g. linux-arm64; untested).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/artifacts/homer-agent-linux-x64}
build=${HOMER_AGENT_BUILD_DIR:-$root/artifacts/agent-build}
rid=${HOMER_AGENT_RID:-linux-x64}
mkdir -p "$out" "$build"
out=$(cd "$out" && pwd)

dotnet publish "$root/src/Homer.Agent/Homer.Agent.csproj" -c Release -r "$rid" --self-contained true \
  --artifacts-path "$build" -o "$out" -nologo -v quiet -clp:ErrorsOnly --disable-build-servers \
  -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:InvariantGlobalization=true -p:DebugType=none

cp "$root/src/Homer.Agent/packaging/homer-agent.service" "$root/src/Homer.Agent/packaging/homer-agent.yaml" "$out/"
echo "$out/homer-agent ($(du -h "$out/homer-agent" | cut -f1)) with homer-agent.service and homer-agent.yaml"
