# chartcast: live charts as MJPEG streams.
# Build: docker build -t chartcast .   Run: docker run -p 8080:8080 chartcast
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# ffmpeg is the capture backend for camera feeds; the charts need no system fonts (they ship in fonts/).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    CHARTCAST_HOST=0.0.0.0 \
    CHARTCAST_PORT=8080 \
    CHARTCAST_CHARTS_DIR=/app/charts \
    CHARTCAST_SCRAPE_DIR=/app/scrape
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY fonts ./fonts
COPY charts ./charts
USER node
# HTTP (streams, JSON, InfluxDB, Pushgateway, collectd), Graphite plaintext, StatsD.
EXPOSE 8080 2003/tcp 2003/udp 8125/udp
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.CHARTCAST_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
