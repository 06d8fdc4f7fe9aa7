# Homer.Actors node: dashboard built with Node, node built with the .NET SDK, run on the ASP.NET runtime.
# Build from the repository root:  docker build -f docker/node.Dockerfile -t homer-node .
# Not run on our development machines (they have no Docker engine); kept in step with run.sh by review.

FROM node:20-bookworm AS dashboard
WORKDIR /src/src/Homer.Dashboard
COPY src/Homer.Dashboard/package.json src/Homer.Dashboard/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY src/Homer.Dashboard/ ./
RUN npm run build

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props Homer.Actors.sln ./
COPY cluster-config/ cluster-config/
COPY src/ src/
RUN dotnet publish src/Homer.Node -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN apt-get update && apt-get install -y --no-install-recommends curl libpcap0.8 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
COPY --from=dashboard /src/src/Homer.Dashboard/dist ./wwwroot
ENV HOMER_HTTP=http://0.0.0.0:9080 HOMER_HEP_UDP=0.0.0.0:9060 HOMER_AKKA_HOST=0.0.0.0 HOMER_ENVIRONMENT=production
EXPOSE 9060/udp 9080/tcp 4053/tcp
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s CMD curl -fs http://127.0.0.1:9080/healthz || exit 1
ENTRYPOINT ["dotnet", "homer-node.dll"]
