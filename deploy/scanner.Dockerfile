# syntax=docker/dockerfile:1
#
# consentd with the cookie scanner: the same binary as deploy/Dockerfile,
# on Debian with its Chromium, which the scanner drives. Build from the
# repository root:
#
#   docker build -f deploy/scanner.Dockerfile -t samtykke/consentd-scanner .
#
# A separate image, so that the main one stays distroless static (about
# 20 MB, no shell): Chromium and its libraries add some 400 MB and a browser's
# attack surface, which only the replicas that scan need. See
# deploy/README.md, "The cookie scanner".

ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
ARG TARGETOS TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=bind,source=go.mod,target=go.mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    go mod download
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=bind,target=. \
    git config --global --add safe.directory /src \
 && export CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
 && go build -trimpath -buildvcs=auto -ldflags="-s -w" -o /out/consentd ./server/cmd/consentd \
 && go build -trimpath -buildvcs=false -ldflags="-s -w" -o /out/healthcheck ./deploy/healthcheck \
 && mkdir -p /out/data

FROM debian:bookworm-slim
LABEL org.opencontainers.image.title="consentd-scanner" \
      org.opencontainers.image.description="Samtykke consent server with the cookie scanner (headless Chromium)" \
      org.opencontainers.image.source="https://github.com/samtykke/samtykke"
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-liberation ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/consentd /out/healthcheck /usr/local/bin/
COPY --from=build --chown=65532:65532 /out/data /data
# Chromium needs a writable home for its profile; incognito contexts keep
# nothing of a scan on disk.
ENV SAMTYKKE_ADDR=:8080 \
    SAMTYKKE_DATA_DIR=/data \
    SAMTYKKE_LOG_FORMAT=json \
    SAMTYKKE_SCANNER_CHROMIUM=/usr/bin/chromium \
    HOME=/tmp
USER 65532:65532
EXPOSE 8080
VOLUME /data
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/healthcheck"]
ENTRYPOINT ["/usr/local/bin/consentd"]
