# kinesin: Kinesis Data Streams, Firehose, SQS, EventBridge Pipes and an S3 surface on one port,
# usable where the LocalStack image was (testcontainers modules, docker-compose; docs/testcontainers.md).
#   docker build --build-arg VERSION=0.1.0 -t kinesin:0.1.0 -t kinesin:latest .
#   docker run -p 4566:4566 kinesin                              # ephemeral store
#   docker run -p 4566:4566 -e PERSISTENCE=1 -v kinesin:/var/lib/localstack kinesin   # durable store
#   docker run -p 4566:4566 -v kinesin:/data kinesin --data-dir /data                 # same, kinesin's flag
# The entrypoint (scripts/docker/docker-entrypoint.sh) maps LocalStack's environment (GATEWAY_LISTEN,
# LOCALSTACK_HOST, DEFAULT_REGION, PERSISTENCE, DEBUG, SERVICES) onto kinesin's and runs the init hooks
# in /etc/localstack/init/{boot,start,ready,shutdown}.d; `Ready.` is printed once they have run.
# Image tags are semver: VERSION labels the image (org.opencontainers.image.version); tag it with the
# same value. The testcontainers modules read the tag: see docs/testcontainers.md for the tag to use.
# WITH_AWSCLI=0 leaves out python3 and the AWS CLI (init hooks then need their own tools).
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cp "$(scripts/build-release.sh --locked)" /kinesin

FROM debian:bookworm-slim
ARG VERSION=0.1.0
ARG WITH_AWSCLI=1
LABEL org.opencontainers.image.title="kinesin" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.description="AWS Kinesis, Firehose, SQS, Pipes and S3 on one localhost port"
RUN if [ "$WITH_AWSCLI" = 1 ]; then \
      apt-get update && apt-get install -y --no-install-recommends python3 awscli ca-certificates && \
      rm -rf /var/lib/apt/lists/*; \
    fi && mkdir -p /etc/localstack/init/boot.d /etc/localstack/init/start.d \
      /etc/localstack/init/ready.d /etc/localstack/init/shutdown.d /var/lib/localstack
COPY --from=build /kinesin /usr/local/bin/kinesin
COPY scripts/docker/docker-entrypoint.sh scripts/docker/healthcheck.sh scripts/docker/awslocal /usr/local/bin/
ENV KINESIN_INIT_DIR=/etc/localstack/init KINESIN_ADDR_FILE=/tmp/kinesin.addr
EXPOSE 4566
# Reads the address kinesin wrote once serving, so it holds whatever --port or GATEWAY_LISTEN chose.
HEALTHCHECK --interval=5s --timeout=2s --start-period=2s --retries=3 CMD ["/usr/local/bin/healthcheck.sh"]
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
