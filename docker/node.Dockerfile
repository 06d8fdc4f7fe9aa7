# Homer.Actors node: dashboard built with Node, node built with the .NET SDK, run on the ASP.NET runtime.
# Build from the repository root:  docker build -f docker/node.Dockerfile -t homer-node .
# Not run on our development machines (they have no Docker engine): correct by construction, kept in step with
# NodeSettings (src/Homer.Node/NodeSettings.cs) and run.sh by review.

FROM node:20-bookworm AS dashboard
WORKDIR /src/src/Homer.Dashboard
COPY src/Homer.Dashboard/package.json src/Homer.Dashboard/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY src/Homer.Dashboard/ ./
RUN npm run build

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files only, so a source change does not re-download every package.
COPY Directory.Build.props Directory.Packages.props Homer.Actors.sln ./
COPY src/Homer.Hep/Homer.Hep.csproj src/Homer.Hep/
COPY src/Homer.Sip/Homer.Sip.csproj src/Homer.Sip/
COPY src/Homer.Capture/Homer.Capture.csproj src/Homer.Capture/
COPY src/Homer.Actors.Contracts/Homer.Actors.Contracts.csproj src/Homer.Actors.Contracts/
COPY src/Homer.Actors/Homer.Actors.csproj src/Homer.Actors/
COPY src/Homer.Storage/Homer.Storage.csproj src/Homer.Storage/
COPY src/Homer.Api/Homer.Api.csproj src/Homer.Api/
COPY src/Homer.Node/Homer.Node.csproj src/Homer.Node/
RUN dotnet restore src/Homer.Node/Homer.Node.csproj
COPY cluster-config/ cluster-config/
COPY src/ src/
RUN dotnet publish src/Homer.Node/Homer.Node.csproj -c Release -o /app --no-restore --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# libldap: LDAP login (System.DirectoryServices.Protocols loads it); its package name differs between releases.
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && (apt-get install -y --no-install-recommends libldap2 || apt-get install -y --no-install-recommends libldap-2.5-0) \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/homer/spool && chown -R app:app /var/lib/homer
WORKDIR /app
COPY --from=build /app ./
COPY --from=dashboard /src/src/Homer.Dashboard/dist ./wwwroot
# Defaults for a container; every HOMER_* setting is in docs/configuration.md. Remoting binds every interface and
# advertises HOMER_AKKA_PUBLIC_HOST (set it to the name other nodes reach this one by; seeds must use that name).
ENV HOMER_HTTP=http://0.0.0.0:9080 \
    HOMER_HEP_UDP=0.0.0.0:9060 \
    HOMER_HEP_TCP=0.0.0.0:9060 \
    HOMER_AKKA_HOST=0.0.0.0 \
    HOMER_AKKA_PORT=4053 \
    HOMER_ENVIRONMENT=production \
    HOMER_SPOOL_DIR=/var/lib/homer/spool \
    HOMER_ADMIN_PASSWORD_FILE=/var/lib/homer/initial-admin-password \
    HOMER_CLUSTER_CONFIG=/app/cluster-config
USER app
VOLUME /var/lib/homer
EXPOSE 9060/udp 9060/tcp 9080/tcp 4053/tcp
# /healthz is served by every node (api role or not): 200 once the member is Up and PostgreSQL answers.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 CMD curl -fs http://127.0.0.1:9080/healthz || exit 1
# SIGTERM leaves the cluster in order (stop HEP, flush, hand shards over); give it the time compose grants.
STOPSIGNAL SIGTERM
ENTRYPOINT ["dotnet", "homer-node.dll"]
