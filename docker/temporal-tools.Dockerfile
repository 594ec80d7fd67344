# The Go-built programs of Epochal's topology, at the versions its tests run
# (src/topology/binaries.ts, src/temporal/cli-binary.ts, src/store/s3-server.ts):
# the Temporal SQL schema tool, the Temporal CLI (namespace setup) and the
# versitygw S3 server. Used by docker-compose.yml's one-shot jobs and S3 service.
FROM golang:1.26-bookworm AS build
RUN go install go.temporal.io/server/cmd/tools/sql@v1.32.1 \
 && go install github.com/temporalio/cli/cmd/temporal@v1.5.1 \
 && go install github.com/versity/versitygw/cmd/versitygw@v1.8.0

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /go/bin/sql /usr/local/bin/temporal-sql-tool
COPY --from=build /go/bin/temporal /usr/local/bin/temporal
COPY --from=build /go/bin/versitygw /usr/local/bin/versitygw
