# kinesin: AWS Kinesis Data Streams (and soon the rest of the streaming family) on one port.
#   docker build -t kinesin .
#   docker run -p 4566:4566 kinesin                       # ephemeral store
#   docker run -p 4566:4566 -v kinesin:/data kinesin --data-dir /data   # durable store
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cp "$(scripts/build-release.sh --locked)" /kinesin

FROM debian:bookworm-slim
COPY --from=build /kinesin /usr/local/bin/kinesin
ENV KINESIN_HOST=0.0.0.0 KINESIN_PORT=4566
EXPOSE 4566
HEALTHCHECK --interval=5s --timeout=2s --start-period=1s --retries=3 \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/${KINESIN_PORT} && printf "GET /_kinesin/health HTTP/1.0\r\n\r\n" >&3 && grep -q "\"status\":\"ok\"" <&3'
ENTRYPOINT ["/usr/local/bin/kinesin"]
