# homer-agent: captures SIP on an interface (or replays pcaps) and sends it as HEP.
# Build from the repository root:  docker build -f docker/agent.Dockerfile -t homer-agent .
# Not run on our development machines (they have no Docker engine): correct by construction.
# Live capture needs the host's network namespace and CAP_NET_RAW (see docker/compose.yaml).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props Homer.Actors.sln ./
COPY src/Homer.Hep/Homer.Hep.csproj src/Homer.Hep/
COPY src/Homer.Sip/Homer.Sip.csproj src/Homer.Sip/
COPY src/Homer.Capture/Homer.Capture.csproj src/Homer.Capture/
COPY src/Homer.Agent/Homer.Agent.csproj src/Homer.Agent/
RUN dotnet restore src/Homer.Agent/Homer.Agent.csproj
COPY src/Homer.Hep/ src/Homer.Hep/
COPY src/Homer.Sip/ src/Homer.Sip/
COPY src/Homer.Capture/ src/Homer.Capture/
COPY src/Shared/ src/Shared/
COPY src/Homer.Agent/ src/Homer.Agent/
RUN dotnet publish src/Homer.Agent/Homer.Agent.csproj -c Release -o /app --no-restore --nologo

FROM mcr.microsoft.com/dotnet/runtime:10.0
# SharpPcap loads libpcap at run time; curl answers the health check against the agent's own API.
RUN apt-get update && apt-get install -y --no-install-recommends libpcap0.8 curl && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/homer-agent
WORKDIR /app
COPY --from=build /app ./
VOLUME /var/lib/homer-agent
STOPSIGNAL SIGTERM
# Arguments come from the compose file or `docker run ... homer-agent capture --interface eth0 --to udp:HOST:9060`.
ENTRYPOINT ["dotnet", "homer-agent.dll"]
CMD ["--help"]
